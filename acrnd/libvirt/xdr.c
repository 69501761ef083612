/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "xdr.h"

static size_t pad4(size_t n)
{
	return (4 - (n & 3)) & 3;
}

int lv_get_u32(struct lv_in *in, uint32_t *v)
{
	if (in->left < 4)
		return -EBADMSG;
	*v = (uint32_t)in->p[0] << 24 | (uint32_t)in->p[1] << 16 | (uint32_t)in->p[2] << 8 |
	     in->p[3];
	in->p += 4;
	in->left -= 4;
	return 0;
}

int lv_get_i32(struct lv_in *in, int32_t *v)
{
	uint32_t u;
	int r = lv_get_u32(in, &u);

	if (!r)
		*v = (int32_t)u;
	return r;
}

int lv_get_u64(struct lv_in *in, uint64_t *v)
{
	uint32_t hi, lo;

	if (in->left < 8)
		return -EBADMSG;
	lv_get_u32(in, &hi);
	lv_get_u32(in, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int lv_get_bool(struct lv_in *in, bool *v)
{
	uint32_t u;
	int r = lv_get_u32(in, &u);

	if (r)
		return r;
	if (u > 1)
		return -EBADMSG;
	*v = u;
	return 0;
}

int lv_get_fixed(struct lv_in *in, void *buf, size_t n)
{
	size_t padded = n + pad4(n);

	if (in->left < padded)
		return -EBADMSG;
	memcpy(buf, in->p, n);
	in->p += padded;
	in->left -= padded;
	return 0;
}

int lv_get_string(struct lv_in *in, size_t max, char **ret)
{
	struct lv_in save = *in;
	uint32_t len;
	char *s;
	int r;

	*ret = NULL;
	r = lv_get_u32(in, &len);
	if (r)
		return r;
	if (len > max) {
		*in = save;
		return -EMSGSIZE;
	}
	/* Checked before allocating: a hostile length costs nothing. */
	if (in->left < (size_t)len + pad4(len)) {
		*in = save;
		return -EBADMSG;
	}
	if (memchr(in->p, 0, len)) {
		*in = save;
		return -EBADMSG;
	}
	s = g_malloc(len + 1);
	lv_get_fixed(in, s, len);
	s[len] = 0;
	*ret = s;
	return 0;
}

int lv_get_opt_string(struct lv_in *in, size_t max, char **ret)
{
	bool present;
	int r;

	*ret = NULL;
	r = lv_get_bool(in, &present);
	if (r || !present)
		return r;
	return lv_get_string(in, max, ret);
}

void lv_put_u32(GByteArray *b, uint32_t v)
{
	uint8_t w[4] = { v >> 24, v >> 16, v >> 8, v };

	g_byte_array_append(b, w, 4);
}

void lv_put_i32(GByteArray *b, int32_t v)
{
	lv_put_u32(b, (uint32_t)v);
}

void lv_put_u64(GByteArray *b, uint64_t v)
{
	lv_put_u32(b, v >> 32);
	lv_put_u32(b, (uint32_t)v);
}

void lv_put_fixed(GByteArray *b, const void *data, size_t n)
{
	static const uint8_t zero[4];

	g_byte_array_append(b, data, n);
	g_byte_array_append(b, zero, pad4(n));
}

void lv_put_string(GByteArray *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	lv_put_u32(b, n);
	lv_put_fixed(b, s ? s : "", n);
}

void lv_put_opt_string(GByteArray *b, const char *s)
{
	lv_put_u32(b, s != NULL);
	if (s)
		lv_put_string(b, s);
}

void lv_put_chars_fixed(GByteArray *b, const char *s, size_t n)
{
	size_t len = strnlen(s, n);

	for (size_t i = 0; i < n; i++)
		lv_put_i32(b, i < len ? (signed char)s[i] : 0);
}

void lv_put_chars_var(GByteArray *b, const char *s, size_t n)
{
	lv_put_u32(b, n);
	for (size_t i = 0; i < n; i++)
		lv_put_i32(b, (signed char)s[i]);
}

static void put_param_head(GByteArray *b, const char *field, enum lv_param_type type)
{
	lv_put_string(b, field);
	lv_put_i32(b, type);
}

void lv_put_param_int(GByteArray *b, const char *field, int32_t v)
{
	put_param_head(b, field, LV_PARAM_INT);
	lv_put_i32(b, v);
}

void lv_put_param_uint(GByteArray *b, const char *field, uint32_t v)
{
	put_param_head(b, field, LV_PARAM_UINT);
	lv_put_u32(b, v);
}

void lv_put_param_llong(GByteArray *b, const char *field, int64_t v)
{
	put_param_head(b, field, LV_PARAM_LLONG);
	lv_put_u64(b, (uint64_t)v);
}

void lv_put_param_ullong(GByteArray *b, const char *field, uint64_t v)
{
	put_param_head(b, field, LV_PARAM_ULLONG);
	lv_put_u64(b, v);
}

void lv_put_param_double(GByteArray *b, const char *field, double v)
{
	uint64_t bits;

	G_STATIC_ASSERT(sizeof(bits) == sizeof(v));
	memcpy(&bits, &v, sizeof(bits));
	put_param_head(b, field, LV_PARAM_DOUBLE);
	lv_put_u64(b, bits);
}

void lv_put_param_bool(GByteArray *b, const char *field, bool v)
{
	put_param_head(b, field, LV_PARAM_BOOLEAN);
	lv_put_i32(b, v);
}

void lv_put_param_string(GByteArray *b, const char *field, const char *v)
{
	put_param_head(b, field, LV_PARAM_STRING);
	lv_put_string(b, v);
}
