/*
 * key.c - object keys known before run time, looked up and inserted with
 * json-c's hash computed once.
 *
 * Profiles of generated programs showed json-c hashing (lh_char_hash and its
 * strlen) as the biggest single cost of a state: every constant key of a
 * template or a path was hashed again at every state entry.  json-c seeds its
 * string hash per process, so a hash cannot be computed at build time; the
 * runtime computes each key's once, when the program's constants and paths
 * are loaded, and passes it to lh_table_lookup_entry_w_hash and
 * lh_table_insert_w_hash, json-c's public API for exactly this.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* An empty object kept for its table: every object's table hashes keys with
 * the same function (json-c's lh_char_hash, seeded once per process). */
static struct json_object *aslrt_key_object; /* never freed */
static pthread_once_t aslrt_key_once = PTHREAD_ONCE_INIT;

static void key_object_init(void)
{
	if (!(aslrt_key_object = json_object_new_object()))
		abort(); /* out of memory */
}

unsigned long aslrt_key_hash(const char *key)
{
	pthread_once(&aslrt_key_once, key_object_init);
	return lh_get_hash(json_object_get_object(aslrt_key_object), key);
}

/*
 * Room for n keys: json-c grows a table (rehashing every key) when it is two
 * thirds full, so an object filled with n keys is made big enough at once.
 * Small ones keep json-c's default table (16 entries: 10 keys fit).
 */
struct json_object *aslrt_object_sized(size_t n)
{
	struct json_object *o = json_object_new_object();
	if (o && n > 10 && n < (size_t)INT_MAX / 2) {
		/* n - 1 < size * LH_LOAD_FACTOR; more than the default 16 */
		int size = (int)(n + n / 2 + 2);
		if (lh_table_resize(json_object_get_object(o), size) != 0) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

void aslrt_key_set(struct json_object *o, const char *key, unsigned long hash,
		   struct json_object *v, bool constant)
{
	struct lh_table *t = json_object_get_object(o);
	struct lh_entry *e = lh_table_lookup_entry_w_hash(t, key, hash);
	if (e) { /* as json_object_object_add_ex: the old value goes, the key stays */
		json_object_put((struct json_object *)lh_entry_v(e));
		lh_entry_set_val(e, v);
		return;
	}
	char *k = constant ? (char *)key : strdup(key);
	if (!k ||
	    lh_table_insert_w_hash(t, k, v, hash, constant ? JSON_C_OBJECT_KEY_IS_CONSTANT : 0))
		abort(); /* out of memory */
}

void aslrt_key_add_new(struct json_object *o, const char *key, unsigned long hash,
		       struct json_object *v)
{
	/* what json_object_object_add_ex(o, key, v, KEY_IS_NEW | KEY_IS_CONSTANT)
	 * does, without hashing key again */
	if (lh_table_insert_w_hash(json_object_get_object(o), key, v, hash,
				   JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT))
		abort(); /* out of memory growing the table */
}
