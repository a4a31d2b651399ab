/*
 * main.c - the aslc driver.  compile() is the pass list:
 *
 *   source_read -> source_parse -> source_check_duplicates -> check_definition
 *     -> model_build -> lower_machine -> ir_verify -> emit_c | emit_llvm -> cc
 *
 * Exit status: 0 success, 1 diagnostics reported (or the backend failed),
 * 2 usage error or unreadable file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aslc.h"
#include "ir.h"
#include "bindings.h"

static const char usage_text[] =
    "usage: aslc check FILE... [--type standard|express] [--input-schema SCHEMA.json]\n"
    "                  [--diagnostics-format=text|json] [--define KEY=VALUE ...]\n"
    "                  [--definitions-file DEFS.json]\n"
    "       aslc build FILE -o BIN [--backend c|llvm] [--name NAME] [--type standard|express]\n"
    "                  [--handlers FILE.c ...] [--bindings FILE] [-O0|-O1|-O2|-O3] [--static]\n"
    "                  [-v] [--keep] [--define KEY=VALUE ...] [--definitions-file DEFS.json]\n"
    "                  [--image NAME[:TAG]] [--image-archive FILE.tar]\n"
    "       aslc emit FILE --emit=c|ir|llvm|dot|mermaid|svg [-o OUT] [--name NAME] [--type "
    "standard|express]\n"
    "       aslc eval --jsonata EXPR | --jsonpath PATH | --state FILE --name STATE\n"
    "                 [--input FILE] [--variables FILE] [--context FILE] [--result FILE]\n"
    "       aslc report FILE.asl.json HISTORY.json [-o OUT.html] [--name NAME]\n"
    "       aslc --help | --version\n";

static const char help_text[] =
    "\n"
    "aslc compiles an Amazon States Language definition (AWS Step Functions)\n"
    "into one native executable that runs the workflow.\n"
    "\n"
    "commands:\n"
    "  check   check the definition; print diagnostics as file:line:col: error: ...\n"
    "  build   check, compile and link a native executable (-o BIN)\n"
    "  emit    print the generated C (--emit=c), the IR (--emit=ir), LLVM IR\n"
    "          (--emit=llvm), or the machine's graph as Workflow Studio draws it\n"
    "          (--emit=dot, --emit=mermaid, --emit=svg) to OUT or stdout\n"
    "  eval    evaluate a JSONata expression, a JSONPath or payload template, or\n"
    "          show a state's data flow step by step (aslc eval --help)\n"
    "  report  one HTML page about a run: the graph coloured by what happened,\n"
    "          counts and durations per state, the events (GetExecutionHistory's JSON)\n"
    "\n"
    "options:\n"
    "  -o FILE                 output file ('-' is stdout for emit)\n"
    "  --backend c|llvm        code generator for build (default c)\n"
    "  --handlers FILE         a C source or object with in-process Task handlers,\n"
    "                          linked into the executable (see runtime/aslrt.h)\n"
    "  --bindings FILE         build: validate and embed a bindings file (what each\n"
    "                          Task runs; see the executable's --help); check: warn\n"
    "                          about Tasks it leaves unbound\n"
    "  --name NAME             state machine name (default: FILE without .json and .asl)\n"
    "  --type standard|express workflow type (default standard)\n"
    "  -O0 .. -O3              optimisation level of the generated code (default -O2)\n"
    "  --diagnostics-format=F  text (default) or json\n"
    "  --define KEY=VALUE      replace ${KEY} in the definition's strings, as\n"
    "                          CloudFormation's DefinitionSubstitutions does (repeatable)\n"
    "  --definitions-file F    a JSON object of KEY: VALUE substitutions (--define wins)\n"
    "  --input-schema FILE     JSON Schema of the execution input: check finds the\n"
    "                          paths, comparisons and intrinsic calls that must fail\n"
    "  -v                      print the commands build runs\n"
    "  --keep                  keep the generated C file of build\n"
    "  --static                link a fully static executable (glibc static: no\n"
    "                          shared libraries; see the README for DNS and locale)\n"
    "  --image NAME[:TAG]      also build an OCI image FROM scratch (podman) holding\n"
    "                          the static, stripped executable as /machine (the\n"
    "                          entrypoint) and the host's CA certificates\n"
    "  --image-archive FILE    save that image as an OCI archive (podman load -i FILE)\n"
    "\n"
    "environment:\n"
    "  CC, CFLAGS, LDFLAGS     the C compiler (default cc) and its flags, split into\n"
    "                          words as make does (CC=\"cc -static\" works)\n"
    "  ASLC_RUNTIME_DIR        a folder holding aslrt.h and libaslrt.a; by default\n"
    "                          aslc finds them relative to its own executable:\n"
    "                          PREFIX/lib/aslc and PREFIX/include/aslc when installed\n"
    "                          in PREFIX/bin, build/runtime in the build tree\n"
    "  ASLC_PODMAN             the podman command with its global options, split\n"
    "                          into words (default podman)\n"
    "\n"
    "exit status: 0 success, 1 errors in the definition or a failed build,\n"
    "2 usage error or unreadable file.\n"
    "\n"
    "The executable reads the execution input (JSON) on stdin, prints the output on\n"
    "stdout and exits 0; a failed execution exits 1 with {\"Error\",\"Cause\"} as the\n"
    "last line of stderr.  Run it with --help for its options.\n";

typedef struct Opts {
	const char *cmd;
	const char *file;
	const char *out;
	const char *backend;
	const char *emit;
	const char *name;
	const char *input_schema;
	const char *bindings; /* --bindings FILE: embedded by build, checked by check */
	bool express;
	bool json_diags;
	bool verbose, keep;
	bool static_link; /* --static */
	int opt;
	char **handlers; /* --handlers FILE, repeatable */
	int nhandlers;
	char **files; /* check takes many */
	int nfiles;
	Defines defines;		   /* --define, --definitions-file */
	const char *image, *image_archive; /* --image, --image-archive */
} Opts;

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("aslc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage_text, stderr);
	return 2;
}

static bool is_graph(const char *kind)
{
	return strcmp(kind, "dot") == 0 || strcmp(kind, "mermaid") == 0 || strcmp(kind, "svg") == 0;
}

static int parse_args(int argc, char **argv, Opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
#define TAKE()                                                                                     \
	do {                                                                                       \
		if (i + 1 >= argc)                                                                 \
			return usage_error("option %s needs a value", a);                          \
		val = argv[++i];                                                                   \
	} while (0)
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			exit(0);
		} else if (strcmp(a, "--version") == 0) {
			printf("aslc 0.1.0\n");
			exit(0);
		} else if (strcmp(a, "-o") == 0) {
			TAKE();
			o->out = val;
		} else if (strcmp(a, "--backend") == 0) {
			TAKE();
			o->backend = val;
		} else if (strncmp(a, "--backend=", 10) == 0) {
			o->backend = a + 10;
		} else if (strcmp(a, "--handlers") == 0) {
			TAKE();
			vec_push(&o->handlers, &o->nhandlers, (char *)val);
		} else if (strcmp(a, "--bindings") == 0) {
			TAKE();
			o->bindings = val;
		} else if (strcmp(a, "--input-schema") == 0) {
			TAKE();
			o->input_schema = val;
		} else if (strcmp(a, "--name") == 0) {
			TAKE();
			o->name = val;
		} else if (strcmp(a, "--type") == 0 || strncmp(a, "--type=", 7) == 0) {
			if (a[6] == '=')
				val = a + 7;
			else
				TAKE();
			if (strcmp(val, "express") == 0 || strcmp(val, "EXPRESS") == 0)
				o->express = true;
			else if (strcmp(val, "standard") == 0 || strcmp(val, "STANDARD") == 0)
				o->express = false;
			else
				return usage_error("unknown --type '%s' (standard or express)",
						   val);
		} else if (strncmp(a, "--emit=", 7) == 0) {
			o->emit = a + 7;
		} else if (strcmp(a, "--emit") == 0) {
			TAKE();
			o->emit = val;
		} else if (strncmp(a, "--diagnostics-format=", 21) == 0) {
			if (strcmp(a + 21, "json") == 0)
				o->json_diags = true;
			else if (strcmp(a + 21, "text") != 0)
				return usage_error("unknown diagnostics format '%s'", a + 21);
		} else if (strlen(a) == 3 && a[0] == '-' && a[1] == 'O' && a[2] >= '0' &&
			   a[2] <= '3') {
			o->opt = a[2] - '0';
		} else if (strcmp(a, "-v") == 0) {
			o->verbose = true;
		} else if (strcmp(a, "--keep") == 0) {
			o->keep = true;
		} else if (strcmp(a, "--static") == 0) {
			o->static_link = true;
		} else if (strcmp(a, "--define") == 0 || strcmp(a, "-D") == 0) {
			TAKE();
			if (defines_parse_arg(&o->defines, val) < 0)
				return 2;
		} else if (strncmp(a, "--define=", 9) == 0) {
			if (defines_parse_arg(&o->defines, a + 9) < 0)
				return 2;
		} else if (strcmp(a, "--image") == 0) {
			TAKE();
			o->image = val;
		} else if (strcmp(a, "--image-archive") == 0) {
			TAKE();
			o->image_archive = val;
		} else if (strcmp(a, "--definitions-file") == 0) {
			TAKE();
			if (defines_load_file(&o->defines, val) < 0)
				return 2;
		} else if (a[0] == '-' && a[1] != 0) {
			return usage_error("unknown option '%s'", a);
		} else if (!o->cmd) {
			o->cmd = a;
		} else {
			vec_push(&o->files, &o->nfiles, (char *)a);
		}
#undef TAKE
	}
	if (!o->cmd)
		return usage_error("%s", "no command given");
	if (strcmp(o->cmd, "check") && strcmp(o->cmd, "build") && strcmp(o->cmd, "emit"))
		return usage_error("unknown command '%s'", o->cmd);
	if (o->nfiles == 0)
		return usage_error("%s: no input file", o->cmd);
	if (o->nfiles > 1 && strcmp(o->cmd, "check") != 0)
		return usage_error("unexpected argument '%s' (only check takes many files)",
				   o->files[1]);
	o->file = o->files[0];
	if ((o->image || o->image_archive) && strcmp(o->cmd, "build") != 0)
		return usage_error("%s", "--image and --image-archive go with build");
	if (strcmp(o->cmd, "build") == 0 && !o->out && !o->image && !o->image_archive)
		return usage_error("%s",
				   "build needs -o BIN (or --image NAME, --image-archive FILE)");
	if (o->backend && strcmp(o->backend, "c") && strcmp(o->backend, "llvm"))
		return usage_error("unknown backend '%s' (c or llvm)", o->backend);
	if (strcmp(o->cmd, "emit") == 0 && !o->emit)
		return usage_error("%s", "emit needs --emit=c|ir|llvm|dot|mermaid|svg");
	if (o->emit && strcmp(o->emit, "c") && strcmp(o->emit, "ir") && strcmp(o->emit, "llvm") &&
	    !is_graph(o->emit))
		return usage_error("unknown --emit kind '%s' (c, ir, llvm, dot, mermaid or svg)",
				   o->emit);
	return 0;
}

/* machine.asl.json -> machine */
static char *default_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name = xstrdup(base ? base + 1 : path);
	size_t n = strlen(name);
	if (n > 5 && strcmp(name + n - 5, ".json") == 0)
		name[n -= 5] = 0;
	if (n > 4 && strcmp(name + n - 4, ".asl") == 0)
		name[n -= 4] = 0;
	return name;
}

/* The machine's graph for emit --emit=dot|mermaid|svg, into out. */
static int graph(const Opts *o, const Machine *m, Buf *out)
{
	char why[256];
	if (strcmp(o->emit, "svg") == 0) {
		if (graph_emit_svg(m, out, why, sizeof why) == 0)
			return 0;
		fprintf(stderr, "aslc: %s\n", why);
		return 1;
	}
	graph_emit(m, strcmp(o->emit, "dot") == 0 ? GRAPH_DOT : GRAPH_MERMAID, out);
	return 0;
}

/* The front end; NULL when diagnostics were reported (*status says why).
 * For a graph, the model is drawn into *gout instead of lowered. */
static Program *compile(const Opts *o, Diag *d, int *status, Buf *gout)
{
	*status = 1;
	Source *src = source_read(o->file);
	if (!src) {
		fprintf(stderr, "aslc: cannot read %s: %s\n", o->file, strerror(errno));
		*status = 2;
		return NULL;
	}
	d->src = src;
	struct json_object *def = NULL;
	Program *p = NULL;
	int drawn = -1; /* graph(): 0 drawn, 1 failed */
	if (source_is_yaml(src) && !source_yaml_to_json(d))
		return NULL;
	if (!source_parse(d, &def))
		return NULL;
	if (subst_definition(d, def, &o->defines)) {
		json_object_put(def);
		return NULL;
	}
	source_check_duplicates(d);
	CheckOpts co = {o->express, o->input_schema};
	check_definition(d, def, &co);
	if (o->bindings && d->nerrors == 0 && check_unbound(d, def, o->bindings)) {
		json_object_put(def);
		*status = 2;
		return NULL;
	}
	if (d->nerrors == 0 && strcmp(o->cmd, "check") != 0) {
		Machine *m = model_build(d, def);
		if (m) {
			m->name = o->name ? xstrdup(o->name) : default_name(o->file);
			m->express = o->express;
			if (d->nerrors == 0 && o->emit && is_graph(o->emit))
				drawn = graph(o, m, gout);
			else if (d->nerrors == 0)
				p = lower_machine(m);
			model_free(m);
		}
	}
	json_object_put(def);
	if (d->nerrors == 0)
		*status = drawn < 0 ? 0 : drawn ? 1 : 3;
	return p;
}

static int write_out(const char *path, const char *s, size_t n)
{
	FILE *f = !path || strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (!f || fwrite(s, 1, n, f) != n || (f != stdout && fclose(f) != 0)) {
		fprintf(stderr, "aslc: cannot write %s: %s\n", path ? path : "stdout",
			strerror(errno));
		return 1;
	}
	if (f == stdout)
		fflush(stdout);
	return 0;
}

/* aslc check FILE...: each file on its own, one status for all (the worst:
 * 2 unreadable, 1 invalid); JSON diagnostics go into one array. */
static int check_files(Opts *o)
{
	int worst = 0;
	struct json_object *list = NULL;
	for (int i = 0; i < o->nfiles; i++) {
		Diag d = {0};
		d.json = o->json_diags;
		d.list = list;
		o->file = o->files[i];
		int status;
		compile(o, &d, &status, NULL);
		list = d.list;
		if (!d.json)
			diag_finish(&d);
		source_free(d.src);
		if (status > worst)
			worst = status;
	}
	if (o->json_diags) {
		Diag d = {0};
		d.json = true;
		d.list = list;
		diag_finish(&d);
	}
	free(o->handlers);
	free(o->files);
	defines_free(&o->defines);
	return worst;
}

/* Validate a bindings file and carry it in the program's metadata; the
 * executable's own --bindings file wins over it per key. */
static int embed_bindings(Program *p, const char *file)
{
	char why[4096];
	aslrt_bindset *s = aslrt_bindset_load(file, why, sizeof why);
	if (!s) {
		fprintf(stderr, "aslc: %s\n", why);
		return -1;
	}
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "file", json_object_new_string(file));
	json_object_object_add(e, "doc", json_object_get(s->doc));
	json_object_object_add(p->meta, "bindings", e);
	aslrt_bindset_free(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "eval") == 0)
		return eval_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return report_main(argc - 1, argv + 1); /* report.c parses its own options */
	Opts o = {0};
	o.opt = 2;
	aslrt_set_argv0(argv[0]);
	int rc = parse_args(argc, argv, &o);
	if (rc) {
		free(o.handlers);
		free(o.files);
		defines_free(&o.defines);
		return rc;
	}
	if (strcmp(o.cmd, "check") == 0)
		return check_files(&o);
	Diag d = {0};
	d.json = o.json_diags;
	int status;
	Buf gout = {0};
	Program *p = compile(&o, &d, &status, &gout);
	diag_finish(&d);
	Source *src = d.src;
	if (status == 3) { /* a graph was drawn */
		rc = write_out(o.out, gout.s, gout.len);
		buf_free(&gout);
		free(o.handlers);
		free(o.files);
		defines_free(&o.defines);
		source_free(src);
		json_object_put(d.list);
		return rc;
	}
	buf_free(&gout);
	if (status || !p) {
		free(o.handlers);
		free(o.files);
		defines_free(&o.defines);
		source_free(src);
		json_object_put(d.list);
		return status;
	}
	if (o.bindings && strcmp(o.cmd, "build") == 0 && embed_bindings(p, o.bindings)) {
		free(o.handlers);
		free(o.files);
		defines_free(&o.defines);
		ir_free(p);
		source_free(src);
		json_object_put(d.list);
		return 2;
	}
	/* An image holds a static, stripped executable; without -o it is built
	 * in a temporary folder. */
	bool image = o.image || o.image_archive;
	char *tmpexe = NULL;
	if (image && !o.out) {
		const char *base = getenv("TMPDIR");
		char *dir = xasprintf("%s/aslc-XXXXXX", base && *base ? base : "/tmp");
		if (mkdtemp(dir)) {
			o.out = tmpexe = xasprintf("%s/machine", dir);
		} else {
			fprintf(stderr, "aslc: cannot create a temporary directory: %s\n",
				strerror(errno));
			rc = 1;
		}
		free(dir);
	}
	BuildOpts bo = {o.opt, o.verbose, o.keep, o.handlers, o.nhandlers, o.static_link || image,
			image, o.express};
	Buf out = {0};
	bool llvm = (o.backend && strcmp(o.backend, "llvm") == 0);
	if (rc == 0 && strcmp(o.cmd, "emit") == 0) {
		if (strcmp(o.emit, "ir") == 0) {
			ir_dump(p, &out);
			rc = write_out(o.out, out.s, out.len);
		} else if (strcmp(o.emit, "c") == 0) {
			emit_c(p, &out);
			rc = write_out(o.out, out.s, out.len);
		} else {
			rc = emit_llvm(p, o.opt, NULL, &out) ? 1 : write_out(o.out, out.s, out.len);
		}
	} else if (rc == 0 && strcmp(o.cmd, "build") == 0) {
		if (llvm) {
			char *obj = xasprintf("%s.o", o.out);
			rc = emit_llvm(p, o.opt, obj, NULL) || cc_link_obj(obj, o.out, &bo) ? 1 : 0;
			if (!o.keep)
				remove(obj);
			free(obj);
		} else {
			emit_c(p, &out);
			rc = cc_build_c(out.s, out.len, o.out, &bo) ? 1 : 0;
		}
	}
	if (rc == 0 && image)
		rc = image_build(o.out, o.image, o.image_archive, o.verbose) ? 1 : 0;
	if (tmpexe) {
		remove(tmpexe);
		*strrchr(tmpexe, '/') = 0;
		rmdir(tmpexe);
		free(tmpexe);
	}
	buf_free(&out);
	free(o.handlers);
	free(o.files);
	defines_free(&o.defines);
	ir_free(p);
	source_free(src);
	json_object_put(d.list);
	return rc;
}
