/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "proto.h"

int lv_packet_length(const uint8_t word[4], size_t *len)
{
	struct lv_in in;
	uint32_t n;

	lv_in_init(&in, word, 4);
	lv_get_u32(&in, &n);
	if (n < LV_LEN_WORD + LV_HEADER_LEN)
		return -EBADMSG;
	if (n - LV_LEN_WORD > LV_PACKET_MAX)
		return -EMSGSIZE;
	*len = n;
	return 0;
}

int lv_header_decode(struct lv_in *in, struct lv_header *h)
{
	int r = lv_get_u32(in, &h->prog);

	if (!r)
		r = lv_get_u32(in, &h->vers);
	if (!r)
		r = lv_get_i32(in, &h->proc);
	if (!r)
		r = lv_get_i32(in, &h->type);
	if (!r)
		r = lv_get_u32(in, &h->serial);
	if (!r)
		r = lv_get_i32(in, &h->status);
	return r;
}

void lv_packet_begin(GByteArray *b, const struct lv_header *h)
{
	g_byte_array_set_size(b, 0);
	lv_put_u32(b, 0);
	lv_put_u32(b, h->prog);
	lv_put_u32(b, h->vers);
	lv_put_i32(b, h->proc);
	lv_put_i32(b, h->type);
	lv_put_u32(b, h->serial);
	lv_put_i32(b, h->status);
}

int lv_packet_end(GByteArray *b)
{
	uint32_t n = b->len;

	if (b->len - LV_LEN_WORD > LV_PACKET_MAX)
		return -EMSGSIZE;
	b->data[0] = n >> 24;
	b->data[1] = n >> 16;
	b->data[2] = n >> 8;
	b->data[3] = n;
	return 0;
}
