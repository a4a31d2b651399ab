/*
 * tsan.h - the json-c functions a ThreadSanitizer build wraps (tsan.c), as
 * X(function, access, offset, return type, parameters, arguments): access
 * is write or read, offset the bytes into struct json_object TSan is told
 * the call touches (4: the reference count; 0: the value's contents).
 * codegen/cc.c links TSan machines with -Wl,--wrap for each.  The readers
 * include json_object_get_object, which json_object_object_foreach calls.
 */
#ifndef ASLRT_TSAN_H
#define ASLRT_TSAN_H

#define ASLRT_TSAN_WRAPS(X)                                                                        \
	X(json_object_get, write, 4, struct json_object *, (struct json_object * o), (o))          \
	X(json_object_put, write, 4, int, (struct json_object * o), (o))                           \
	X(json_object_object_add, write, 0, int,                                                   \
	  (struct json_object * o, const char *k, struct json_object *v), (o, k, v))               \
	X(json_object_object_add_ex, write, 0, int,                                                \
	  (struct json_object * o, const char *k, struct json_object *v, unsigned f),              \
	  (o, k, v, f))                                                                            \
	X(json_object_object_del, write, 0, void, (struct json_object * o, const char *k), (o, k)) \
	X(json_object_array_add, write, 0, int, (struct json_object * o, struct json_object * v),  \
	  (o, v))                                                                                  \
	X(json_object_array_put_idx, write, 0, int,                                                \
	  (struct json_object * o, size_t i, struct json_object * v), (o, i, v))                   \
	X(json_object_array_del_idx, write, 0, int, (struct json_object * o, size_t i, size_t n),  \
	  (o, i, n))                                                                               \
	X(json_object_set_userdata, write, 0, void,                                                \
	  (struct json_object * o, void *d, json_object_delete_fn *f), (o, d, f))                  \
	X(json_object_set_serializer, write, 0, void,                                              \
	  (struct json_object * o, json_object_to_json_string_fn * s, void *d,                     \
	   json_object_delete_fn *f),                                                              \
	  (o, s, d, f))                                                                            \
	X(json_object_get_userdata, read, 0, void *, (struct json_object * o), (o))                \
	X(json_object_deep_copy, read, 0, int,                                                     \
	  (struct json_object * o, struct json_object * *d, json_c_shallow_copy_fn * f),           \
	  (o, d, f))                                                                               \
	X(json_object_to_json_string, write, 0, const char *, (struct json_object * o), (o))       \
	X(json_object_to_json_string_ext, write, 0, const char *, (struct json_object * o, int f), \
	  (o, f))                                                                                  \
	X(json_object_to_json_string_length, write, 0, const char *,                               \
	  (struct json_object * o, int f, size_t *n), (o, f, n))                                   \
	X(json_object_object_get_ex, read, 0, json_bool,                                           \
	  (const struct json_object *o, const char *k, struct json_object **v), (o, k, v))         \
	X(json_object_object_get, read, 0, struct json_object *,                                   \
	  (const struct json_object *o, const char *k), (o, k))                                    \
	X(json_object_get_object, read, 0, struct lh_table *, (const struct json_object *o), (o))  \
	X(json_object_get_array, read, 0, struct array_list *, (const struct json_object *o), (o)) \
	X(json_object_array_length, read, 0, size_t, (const struct json_object *o), (o))           \
	X(json_object_array_get_idx, read, 0, struct json_object *,                                \
	  (const struct json_object *o, size_t i), (o, i))

#endif
