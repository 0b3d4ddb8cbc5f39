/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading JSON that may hold anything: a result file can be damaged or
 * hand-edited, so every helper takes any value (or NULL) where an object,
 * array or number is expected and gives a safe answer. json-c's own getters
 * assert on the wrong type (json_object_array_length) or dereference NULL
 * (json_object_object_foreach); C's conversions of out-of-range doubles to
 * int are undefined. The fuzz targets (tests/fuzz) hold the readers to this.
 */
#ifndef NETSTAGE_JSON_READ_H
#define NETSTAGE_JSON_READ_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

/* Integers read from a file stay within this, so sums and products of a few cannot overflow. */
#define JR_INT_MAX 1000000000

/* o's member k, or NULL (also when o is not an object). */
static inline json_object *jr_get(json_object *o, const char *k)
{
	json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

/* o's member k when it is an array, else NULL. */
static inline json_object *jr_array(json_object *o, const char *k)
{
	json_object *v = jr_get(o, k);

	return json_object_is_type(v, json_type_array) ? v : NULL;
}

/* o's member k when it is an object, else NULL. */
static inline json_object *jr_object(json_object *o, const char *k)
{
	json_object *v = jr_get(o, k);

	return json_object_is_type(v, json_type_object) ? v : NULL;
}

/* Elements of an array; 0 for anything else. */
static inline size_t jr_len(json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

/* Element i of an array, or NULL. */
static inline json_object *jr_idx(json_object *a, size_t i)
{
	return i < jr_len(a) ? json_object_array_get_idx(a, i) : NULL;
}

/* A number as a finite double; 0 when it is absent, not finite or not a number. */
static inline double jr_num(json_object *v)
{
	double d;

	if (!v)
		return 0;
	d = json_object_get_double(v);
	return isfinite(d) ? d : 0;
}

static inline double jr_dbl(json_object *o, const char *k)
{
	return jr_num(jr_get(o, k));
}

/* A number as an int within [-JR_INT_MAX, JR_INT_MAX]. */
static inline int jr_int(json_object *o, const char *k)
{
	double d = jr_dbl(o, k);

	return d > JR_INT_MAX ? JR_INT_MAX : d < -JR_INT_MAX ? -JR_INT_MAX : (int)d;
}

/* A string member, or NULL. */
static inline const char *jr_str(json_object *o, const char *k)
{
	json_object *v = jr_get(o, k);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* A member's value as text (a number or boolean printed), "" when absent or null. */
static inline const char *jr_text(json_object *v)
{
	const char *s = v ? json_object_get_string(v) : NULL;

	return s ? s : "";
}

static inline bool jr_bool(json_object *o, const char *k)
{
	json_object *v = jr_get(o, k);

	return v && json_object_get_boolean(v);
}

#endif /* NETSTAGE_JSON_READ_H */
