/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * XDR (RFC 4506) as libvirt's RPC uses it: big-endian 4-byte words, 8-byte
 * hypers, strings and opaques padded to 4. The decoder treats its input as
 * hostile: every length is checked against the bytes left and a maximum.
 * Decoders return 0 or -EBADMSG (short or inconsistent input) / -EMSGSIZE
 * (a length over its maximum).
 */
#ifndef ACRND_LIBVIRT_XDR_H
#define ACRND_LIBVIRT_XDR_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define LV_STRING_MAX (4u << 20) /* REMOTE_STRING_MAX */
#define LV_UUID_LEN   16

struct lv_in {
	const uint8_t *p;
	size_t left;
};

static inline void lv_in_init(struct lv_in *in, const void *data, size_t len)
{
	in->p = data;
	in->left = len;
}

int lv_get_u32(struct lv_in *in, uint32_t *v);
int lv_get_i32(struct lv_in *in, int32_t *v);
int lv_get_u64(struct lv_in *in, uint64_t *v);
/* A bool is a 4-byte word that must be 0 or 1. */
int lv_get_bool(struct lv_in *in, bool *v);
int lv_get_fixed(struct lv_in *in, void *buf, size_t n);
/* A string of at most @max bytes, NUL-terminated in *@ret; embedded NULs are refused. */
int lv_get_string(struct lv_in *in, size_t max, char **ret);
/* An optional string (remote_string): *@ret is NULL when absent. */
int lv_get_opt_string(struct lv_in *in, size_t max, char **ret);
/* Whether everything was consumed (libvirt's structures have no trailing data). */
static inline int lv_get_end(const struct lv_in *in)
{
	return in->left ? -EBADMSG : 0;
}

void lv_put_u32(GByteArray *b, uint32_t v);
void lv_put_i32(GByteArray *b, int32_t v);
void lv_put_u64(GByteArray *b, uint64_t v);
void lv_put_fixed(GByteArray *b, const void *data, size_t n);
void lv_put_string(GByteArray *b, const char *s);
void lv_put_opt_string(GByteArray *b, const char *s);
/* rpcgen's char arrays: each char one 4-byte word. */
void lv_put_chars_fixed(GByteArray *b, const char *s, size_t n);
void lv_put_chars_var(GByteArray *b, const char *s, size_t n);

/*
 * remote_typed_param: the field name, then remote_typed_param_value, a union
 * on an int type (virTypedParameterType) followed by its arm.
 */
enum lv_param_type {
	LV_PARAM_INT = 1,
	LV_PARAM_UINT = 2,
	LV_PARAM_LLONG = 3,
	LV_PARAM_ULLONG = 4,
	LV_PARAM_DOUBLE = 5,
	LV_PARAM_BOOLEAN = 6,
	LV_PARAM_STRING = 7,
};

void lv_put_param_int(GByteArray *b, const char *field, int32_t v);
void lv_put_param_uint(GByteArray *b, const char *field, uint32_t v);
void lv_put_param_llong(GByteArray *b, const char *field, int64_t v);
void lv_put_param_ullong(GByteArray *b, const char *field, uint64_t v);
/* XDR's double: the IEEE 754 bits as a big-endian hyper. */
void lv_put_param_double(GByteArray *b, const char *field, double v);
void lv_put_param_bool(GByteArray *b, const char *field, bool v);
void lv_put_param_string(GByteArray *b, const char *field, const char *v);

#endif
