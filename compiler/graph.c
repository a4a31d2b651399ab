/*
 * graph.c - the machine as a picture, drawn the way Workflow Studio
 * draws it: Start and End, one node per state (name and type), Choice rules
 * as labelled edges, Default, Catch edges dashed and labelled with their
 * errors, Retry noted on the node, Parallel branches and Map processors as
 * clusters with a join point.  DOT and Mermaid are text; SVG is the DOT laid
 * out by Graphviz's own library (libgvc), not by a layout of ours.
 *
 * Works on the model (compiler/model.c), after the checker accepted the
 * definition, so every Next, Default and Catch Next names a state.
 */
#include <string.h>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "aslc.h" /* the graph is drawn from the model, not the IR */

/* Longest condition label before it is shortened with "...". */
#define LABEL_MAX 48

typedef struct G {
	const Machine *m;
	GraphKind kind;
	Buf *out;
} G;

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* --- Choice conditions, shortened for a label --- */

/* By the end of the operator's name, "LessThanEquals" before "Equals"; a
 * ...Path operator reads as the one it compares to ("EqualsPath" as "=="). */
static const struct {
	const char *suffix, *op;
} cmp_ops[] = {
    {"LessThanEquals", "<="}, {"GreaterThanEquals", ">="}, {"LessThan", "<"}, {"GreaterThan", ">"},
    {"Equals", "=="},	      {"Matches", "matches"},
};

static void rule_text(Buf *b, struct json_object *r);

static void rule_list(Buf *b, struct json_object *arr, const char *sep)
{
	size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
	buf_puts(b, "(");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_puts(b, sep);
		rule_text(b, json_object_array_get_idx(arr, i));
	}
	buf_puts(b, ")");
}

/* One comparison: "$.x > 5", "$.t is timestamp", "$.s matches 'a*'". */
static void comparison(Buf *b, const char *var, const char *key, struct json_object *val)
{
	buf_puts(b, var);
	if (strncmp(key, "Is", 2) == 0) {
		bool yes = json_object_get_boolean(val);
		buf_printf(b, " %s %s", yes ? "is" : "is not", key + 2);
		return;
	}
	size_t n = strlen(key);
	bool path = n > 4 && strcmp(key + n - 4, "Path") == 0;
	size_t base = path ? n - 4 : n;
	const char *op = "?";
	for (size_t i = 0; i < sizeof cmp_ops / sizeof cmp_ops[0]; i++) {
		size_t sn = strlen(cmp_ops[i].suffix);
		if (base >= sn && strncmp(key + base - sn, cmp_ops[i].suffix, sn) == 0) {
			op = cmp_ops[i].op;
			break;
		}
	}
	buf_printf(b, " %s ", op);
	if (path && json_object_is_type(val, json_type_string))
		buf_puts(b, json_object_get_string(val)); /* a path, not a string literal */
	else
		buf_puts(b, json_object_to_json_string_ext(
				val, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void rule_text(Buf *b, struct json_object *r)
{
	struct json_object *v;
	const char *cond = get_str(r, "Condition");
	if (cond) { /* "{% expr %}": the expression, trimmed */
		size_t n = strlen(cond);
		if (n >= 4 && strncmp(cond, "{%", 2) == 0 && strcmp(cond + n - 2, "%}") == 0) {
			cond += 2;
			n -= 4;
		}
		while (n && (*cond == ' ' || *cond == '\t' || *cond == '\n'))
			cond++, n--;
		while (n && (cond[n - 1] == ' ' || cond[n - 1] == '\t' || cond[n - 1] == '\n'))
			n--;
		buf_put(b, cond, n);
		return;
	}
	if ((v = get(r, "And"))) {
		rule_list(b, v, " && ");
		return;
	}
	if ((v = get(r, "Or"))) {
		rule_list(b, v, " || ");
		return;
	}
	if ((v = get(r, "Not"))) {
		buf_puts(b, "!(");
		rule_text(b, v);
		buf_puts(b, ")");
		return;
	}
	const char *var = get_str(r, "Variable");
	json_object_object_foreach(r, key, val)
	{
		if (strcmp(key, "Variable") && strcmp(key, "Next") && strcmp(key, "Assign") &&
		    strcmp(key, "Output") && strcmp(key, "Comment")) {
			comparison(b, var ? var : "?", key, val);
			return;
		}
	}
	buf_puts(b, "?");
}

/* The label text of a rule, shortened to LABEL_MAX bytes on a UTF-8 boundary. */
static char *rule_label(struct json_object *r)
{
	Buf b = {0};
	rule_text(&b, r);
	buf_put(&b, "", 0);
	if (b.len > LABEL_MAX) {
		size_t n = LABEL_MAX - 3;
		while (n > 0 && ((unsigned char)b.s[n] & 0xC0) == 0x80)
			n--;
		b.len = n;
		buf_puts(&b, "...");
	}
	return b.s ? b.s : xstrdup("");
}

/* The errors a Catch or Retry names: "States.ALL", "A, B". */
static char *errors_label(struct json_object *c)
{
	struct json_object *e = get(c, "ErrorEquals");
	Buf b = {0};
	size_t n = json_object_is_type(e, json_type_array) ? json_object_array_length(e) : 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_puts(&b, ", ");
		buf_puts(&b, json_object_get_string(json_object_array_get_idx(e, i)));
	}
	buf_put(&b, "", 0);
	return b.s;
}

/* --- escaping --- */

static void put_text(G *g, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (g->kind == GRAPH_MERMAID) {
			/* Mermaid takes HTML entities inside quoted labels. */
			if (ch == '"')
				buf_puts(g->out, "#quot;");
			else if (ch == '<')
				buf_puts(g->out, "#lt;");
			else if (ch == '>')
				buf_puts(g->out, "#gt;");
			else if (ch == '#')
				buf_puts(g->out, "#35;");
			else if (ch == '&') /* or "&amp;" in a name shows as "&" */
				buf_puts(g->out, "#amp;");
			else if (ch == '\n')
				buf_puts(g->out, "<br/>");
			else if (ch < 0x20)
				buf_puts(g->out, " ");
			else
				buf_put(g->out, s, 1);
		} else {
			if (ch == '"' || ch == '\\')
				buf_printf(g->out, "\\%c", ch);
			else if (ch == '&') /* Graphviz reads entities in any label */
				buf_puts(g->out, "&amp;");
			else if (ch == '\n')
				buf_puts(g->out, "\\n");
			else if (ch < 0x20)
				buf_puts(g->out, " ");
			else
				buf_put(g->out, s, 1);
		}
	}
}

/* --- nodes and edges --- */

static void indent(G *g, int depth)
{
	for (int i = 0; i < depth; i++)
		buf_puts(g->out, "  ");
}

static void node(G *g, int depth, const char *id, const char *label, const char *dot_attrs,
		 const char *mermaid_open, const char *mermaid_close)
{
	indent(g, depth);
	if (g->kind == GRAPH_MERMAID) {
		buf_printf(g->out, "%s%s\"", id, mermaid_open);
		put_text(g, label);
		buf_printf(g->out, "\"%s\n", mermaid_close);
	} else {
		buf_printf(g->out, "%s [label=\"", id);
		put_text(g, label);
		buf_printf(g->out, "\"%s%s];\n", *dot_attrs ? ", " : "", dot_attrs);
	}
}

enum { E_SOLID, E_DASHED, E_BOLD };

static void edge(G *g, int depth, const char *from, const char *to, const char *label, int style)
{
	indent(g, depth);
	if (g->kind == GRAPH_MERMAID) {
		const char *arrow = style == E_DASHED ? "-.->" : style == E_BOLD ? "==>" : "-->";
		buf_printf(g->out, "%s %s", from, arrow);
		if (label && *label) {
			buf_puts(g->out, "|\"");
			put_text(g, label);
			buf_puts(g->out, "\"|");
		}
		buf_printf(g->out, " %s\n", to);
		return;
	}
	buf_printf(g->out, "%s -> %s", from, to);
	if ((label && *label) || style != E_SOLID) {
		buf_puts(g->out, " [");
		if (label && *label) {
			buf_puts(g->out, "label=\"");
			put_text(g, label);
			buf_puts(g->out, "\"");
		}
		if (style == E_DASHED)
			buf_printf(g->out,
				   "%sstyle=dashed, color=\"#d13212\", fontcolor=\"#d13212\"",
				   label && *label ? ", " : "");
		else if (style == E_BOLD)
			buf_printf(g->out, "%sstyle=bold", label && *label ? ", " : "");
		buf_puts(g->out, "]");
	}
	buf_puts(g->out, ";\n");
}

static char *state_id(const State *st)
{
	return xasprintf("s%d", st->id);
}

/* Where a scope's terminal states lead: End, or the join point of the
 * Parallel/Map that owns it. */
static char *exit_id(const Scope *sc)
{
	return sc->owner ? xasprintf("j%d", sc->owner->id) : xstrdup("End");
}

static const char *fill(const State *st)
{
	switch (st->type) {
	case ST_CHOICE:
		return "#fff4e0";
	case ST_SUCCEED:
		return "#e3f4e3";
	case ST_FAIL:
		return "#fde7e7";
	case ST_PARALLEL:
	case ST_MAP:
		return "#eef3fb";
	default:
		return "#ffffff";
	}
}

static void emit_scope(G *g, const Scope *sc, int depth);

/* A state's node: "Name\nType" and, with Retry, one line per retrier. */
static void state_node(G *g, const State *st, int depth)
{
	Buf label = {0};
	buf_printf(&label, "%s\n%s", st->name, state_type_names[st->type]);
	struct json_object *retry = get(st->json, "Retry");
	size_t n =
	    json_object_is_type(retry, json_type_array) ? json_object_array_length(retry) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(retry, i);
		char *errs = errors_label(r);
		struct json_object *ma = get(r, "MaxAttempts");
		buf_printf(&label, "\nRetry %s x%d", errs ? errs : "",
			   ma ? json_object_get_int(ma) : 3);
		free(errs);
	}
	buf_put(&label, "", 0);
	char *id = state_id(st);
	char attrs[128];
	snprintf(attrs, sizeof attrs, "fillcolor=\"%s\"%s", fill(st),
		 st->type == ST_CHOICE ? ", shape=diamond, style=\"filled\"" : "");
	const char *open = st->type == ST_CHOICE ? "{" : "(";
	const char *close = st->type == ST_CHOICE ? "}" : ")";
	node(g, depth, id, label.s, attrs, open, close);
	free(id);
	buf_free(&label);
}

/* A Parallel's branches or a Map's processor: one cluster each, entered from
 * the state's node and left through its join point. */
static void state_clusters(G *g, const State *st, int depth)
{
	char *id = state_id(st);
	for (int b = 0; b < st->nbranches; b++) {
		const Scope *sc = st->branches[b];
		char *label = st->type == ST_MAP ? xstrdup("Map: item processor")
						 : xasprintf("Branch %d", b + 1);
		indent(g, depth);
		if (g->kind == GRAPH_MERMAID) {
			buf_printf(g->out, "subgraph c%d [\"", sc->id);
			put_text(g, label);
			buf_puts(g->out, "\"]\n");
		} else {
			buf_printf(g->out, "subgraph cluster_%d {\n", sc->id);
			indent(g, depth + 1);
			buf_puts(g->out, "label=\"");
			put_text(g, label);
			buf_puts(g->out, "\"; style=\"rounded,dashed\"; color=\"#8d99a8\";\n");
		}
		emit_scope(g, sc, depth + 1);
		indent(g, depth);
		buf_puts(g->out, g->kind == GRAPH_MERMAID ? "end\n" : "}\n");
		free(label);
	}
	char *join = xasprintf("j%d", st->id);
	indent(g, depth);
	if (g->kind == GRAPH_MERMAID)
		buf_printf(g->out, "%s((\" \"))\n", join);
	else
		buf_printf(g->out, "%s [label=\"\", shape=point, width=0.12];\n", join);
	for (int b = 0; b < st->nbranches; b++) {
		const Scope *sc = st->branches[b];
		if (sc->start >= 0) {
			char *to = state_id(g->m->states[sc->start]);
			edge(g, depth, id, to, NULL, E_BOLD);
			free(to);
		}
	}
	free(join);
	free(id);
}

/* The edges leaving a state: Next, End, Choice rules and Default, Catch. */
static void state_edges(G *g, const State *st, int depth)
{
	const Scope *sc = st->scope;
	char *from = st->nbranches ? xasprintf("j%d", st->id) : state_id(st);
	char *exit = exit_id(sc);
	if (st->next >= 0) {
		char *to = state_id(g->m->states[st->next]);
		edge(g, depth, from, to, NULL, E_SOLID);
		free(to);
	}
	if (st->end || st->type == ST_SUCCEED || st->type == ST_FAIL)
		edge(g, depth, from, exit, NULL, E_SOLID);
	if (st->type == ST_CHOICE) {
		struct json_object *rules = get(st->json, "Choices");
		size_t n = json_object_is_type(rules, json_type_array)
			       ? json_object_array_length(rules)
			       : 0;
		for (size_t i = 0; i < n; i++) {
			struct json_object *r = json_object_array_get_idx(rules, i);
			const char *next = get_str(r, "Next");
			int to = next ? scope_find(sc, next) : -1;
			if (to < 0)
				continue;
			char *label = rule_label(r), *tid = state_id(g->m->states[to]);
			edge(g, depth, from, tid, label, E_SOLID);
			free(label);
			free(tid);
		}
		const char *dflt = get_str(st->json, "Default");
		int to = dflt ? scope_find(sc, dflt) : -1;
		if (to >= 0) {
			char *tid = state_id(g->m->states[to]);
			edge(g, depth, from, tid, "Default", E_SOLID);
			free(tid);
		}
	}
	struct json_object *catch = get(st->json, "Catch");
	size_t n =
	    json_object_is_type(catch, json_type_array) ? json_object_array_length(catch) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(catch, i);
		const char *next = get_str(c, "Next");
		int to = next ? scope_find(sc, next) : -1;
		if (to < 0)
			continue;
		char *label = errors_label(c), *tid = state_id(g->m->states[to]);
		char *id = state_id(st);
		edge(g, depth, id, tid, label, E_DASHED);
		free(id);
		free(label);
		free(tid);
	}
	free(exit);
	free(from);
}

static void emit_scope(G *g, const Scope *sc, int depth)
{
	for (int i = 0; i < sc->nstates; i++) {
		const State *st = sc->states[i];
		state_node(g, st, depth);
		if (st->nbranches)
			state_clusters(g, st, depth);
	}
	for (int i = 0; i < sc->nstates; i++)
		state_edges(g, sc->states[i], depth);
}

void graph_emit(const Machine *m, GraphKind kind, Buf *out)
{
	G g = {m, kind, out};
	const Scope *top = m->scopes[0];
	if (kind == GRAPH_MERMAID) {
		buf_puts(out, "flowchart TD\n");
		buf_puts(out, "  Start([\"Start\"])\n");
		buf_puts(out, "  End([\"End\"])\n");
	} else {
		buf_puts(out, "digraph \"");
		put_text(&g, m->name ? m->name : "machine");
		buf_puts(out, "\" {\n");
		buf_puts(out, "  rankdir=TB; fontname=\"Helvetica\"; fontsize=11;\n");
		buf_puts(out,
			 "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
			 "fontsize=11, fillcolor=\"#ffffff\", color=\"#5a6b7b\"];\n");
		buf_puts(out, "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#5a6b7b\"];\n");
		buf_puts(out, "  Start [label=\"Start\", shape=oval, fillcolor=\"#232f3e\", "
			      "fontcolor=\"#ffffff\"];\n");
		buf_puts(out, "  End [label=\"End\", shape=oval, fillcolor=\"#232f3e\", "
			      "fontcolor=\"#ffffff\"];\n");
	}
	emit_scope(&g, top, 1);
	if (top->start >= 0) {
		char *to = state_id(m->states[top->start]);
		edge(&g, 1, "Start", to, NULL, E_SOLID);
		free(to);
	}
	if (kind != GRAPH_MERMAID)
		buf_puts(out, "}\n");
}

int graph_emit_svg(const Machine *m, Buf *out, char *why, size_t whylen)
{
	Buf dot = {0};
	graph_emit(m, GRAPH_DOT, &dot);
	buf_put(&dot, "", 0);
	int rc = graph_render_svg(dot.s, out, why, whylen);
	buf_free(&dot);
	return rc;
}

int graph_render_svg(const char *dot, Buf *out, char *why, size_t whylen)
{
	GVC_t *gvc = gvContext();
	Agraph_t *gr = gvc ? agmemread(dot) : NULL;
	int rc = -1;
	char *data = NULL;
	unsigned int len = 0;
	if (!gr)
		snprintf(why, whylen, "Graphviz could not read the graph");
	else if (gvLayout(gvc, gr, "dot") != 0)
		snprintf(why, whylen, "Graphviz could not lay out the graph");
	else if (gvRenderData(gvc, gr, "svg", &data, &len) != 0)
		snprintf(why, whylen, "Graphviz could not render SVG");
	else {
		buf_put(out, data, len);
		rc = 0;
	}
	if (data)
		gvFreeRenderData(data);
	if (gr) {
		gvFreeLayout(gvc, gr);
		agclose(gr);
	}
	if (gvc)
		gvFreeContext(gvc);
	return rc;
}
