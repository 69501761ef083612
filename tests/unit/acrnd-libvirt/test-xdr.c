/* SPDX-License-Identifier: BSD-3-Clause */
/* The libvirt binding's XDR codec and framing: round trips and hostile input. */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "proto.h"
#include "xdr.h"

static void test_round_trip(void)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	const char *strings[] = { "", "a", "ab", "abc", "abcd", "abcde" };
	uint8_t uuid[16], got_uuid[16];
	struct lv_in in;
	uint32_t u;
	int32_t i;
	uint64_t q;
	bool flag;
	char *s;

	for (unsigned k = 0; k < sizeof(uuid); k++)
		uuid[k] = k * 17;
	lv_put_u32(b, 0xdeadbeef);
	lv_put_i32(b, -2);
	lv_put_u64(b, 0x0123456789abcdefull);
	for (size_t k = 0; k < G_N_ELEMENTS(strings); k++)
		lv_put_string(b, strings[k]);
	lv_put_opt_string(b, NULL);
	lv_put_opt_string(b, "acrn:///system");
	lv_put_fixed(b, uuid, sizeof(uuid));
	lv_put_u32(b, 1);
	/* Strings pad to 4: (4+0) + 3 * (4+4) + (4+4) + (4+8) = 48; the URI takes 4+4+16. */
	g_assert_cmpuint(b->len, ==, 4 + 4 + 8 + 48 + 4 + 24 + 16 + 4);
	g_assert_cmpuint(b->data[0], ==, 0xde); /* big-endian */

	lv_in_init(&in, b->data, b->len);
	g_assert_cmpint(lv_get_u32(&in, &u), ==, 0);
	g_assert_cmphex(u, ==, 0xdeadbeef);
	g_assert_cmpint(lv_get_i32(&in, &i), ==, 0);
	g_assert_cmpint(i, ==, -2);
	g_assert_cmpint(lv_get_u64(&in, &q), ==, 0);
	g_assert_cmphex(q, ==, 0x0123456789abcdefull);
	for (size_t k = 0; k < G_N_ELEMENTS(strings); k++) {
		g_assert_cmpint(lv_get_string(&in, 16, &s), ==, 0);
		g_assert_cmpstr(s, ==, strings[k]);
		g_free(s);
	}
	g_assert_cmpint(lv_get_opt_string(&in, 64, &s), ==, 0);
	g_assert_null(s);
	g_assert_cmpint(lv_get_opt_string(&in, 64, &s), ==, 0);
	g_assert_cmpstr(s, ==, "acrn:///system");
	g_free(s);
	g_assert_cmpint(lv_get_fixed(&in, got_uuid, sizeof(got_uuid)), ==, 0);
	g_assert_cmpmem(got_uuid, 16, uuid, 16);
	g_assert_cmpint(lv_get_bool(&in, &flag), ==, 0);
	g_assert_true(flag);
	g_assert_cmpint(lv_get_end(&in), ==, 0);
	g_assert_cmpint(lv_get_u32(&in, &u), ==, -EBADMSG);
}

static void test_chars(void)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	struct lv_in in;
	uint32_t w;

	/* rpcgen's char arrays: one 4-byte word per char, zero-filled. */
	lv_put_chars_fixed(b, "x86", 32);
	g_assert_cmpuint(b->len, ==, 128);
	lv_in_init(&in, b->data, b->len);
	lv_get_u32(&in, &w);
	g_assert_cmpuint(w, ==, 'x');
	lv_get_u32(&in, &w);
	lv_get_u32(&in, &w);
	g_assert_cmpuint(w, ==, '6');
	lv_get_u32(&in, &w);
	g_assert_cmpuint(w, ==, 0);
	g_byte_array_set_size(b, 0);
	lv_put_chars_var(b, "ab", 3); /* the NUL counted, as libvirtd sends it */
	g_assert_cmpuint(b->len, ==, 16);
}

/* remote_typed_param: field string, i32 type, the arm; byte for byte. */
static void test_typed_params(void)
{
	/* clang-format off */
	static const uint8_t want[] = {
		0, 0, 0, 11, 's', 't', 'a', 't', 'e', '.', 's', 't', 'a', 't', 'e', 0, /* field */
		0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, /* INT -2 */
		0, 0, 0, 1, 'u', 0, 0, 0, 0, 0, 0, 2, 0x80, 0, 0, 1, /* UINT */
		0, 0, 0, 1, 'l', 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd,
		0, 0, 0, 1, 'q', 0, 0, 0, 0, 0, 0, 4, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0, 0, 0, 1, 'd', 0, 0, 0, 0, 0, 0, 5, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, /* 1.5 */
		0, 0, 0, 1, 'b', 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 1, /* BOOLEAN */
		0, 0, 0, 1, 's', 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0,
	};
	/* clang-format on */
	g_autoptr(GByteArray) b = g_byte_array_new();

	lv_put_param_int(b, "state.state", -2);
	lv_put_param_uint(b, "u", 0x80000001u);
	lv_put_param_llong(b, "l", -3);
	lv_put_param_ullong(b, "q", 0x0123456789abcdefull);
	lv_put_param_double(b, "d", 1.5);
	lv_put_param_bool(b, "b", true);
	lv_put_param_string(b, "s", "hello");
	g_assert_cmpmem(b->data, b->len, want, sizeof(want));
}

static void test_hostile(void)
{
	/* A length of 0xfffffff0 with 4 bytes behind it: refused before any allocation. */
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xf0, 'a', 'b', 'c', 'd' };
	static const uint8_t over_max[] = { 0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e', 0, 0, 0 };
	static const uint8_t short_pad[] = { 0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e' };
	static const uint8_t nul[] = { 0, 0, 0, 3, 'a', 0, 'c', 0 };
	static const uint8_t bad_bool[] = { 0, 0, 0, 2 };
	static const uint8_t three[] = { 0, 0, 1 };
	struct lv_in in;
	uint32_t u;
	uint64_t q;
	bool flag;
	char *s = (char *)1;

	lv_in_init(&in, huge, sizeof(huge));
	g_assert_cmpint(lv_get_string(&in, LV_STRING_MAX, &s), ==, -EMSGSIZE);
	g_assert_null(s);
	g_assert_cmpuint(in.left, ==, sizeof(huge)); /* nothing consumed */
	lv_in_init(&in, huge, sizeof(huge));
	g_assert_cmpint(lv_get_string(&in, UINT32_MAX, &s), ==, -EBADMSG);
	lv_in_init(&in, over_max, sizeof(over_max));
	g_assert_cmpint(lv_get_string(&in, 4, &s), ==, -EMSGSIZE);
	lv_in_init(&in, over_max, sizeof(over_max));
	g_assert_cmpint(lv_get_string(&in, 5, &s), ==, 0);
	g_assert_cmpstr(s, ==, "abcde");
	g_free(s);
	lv_in_init(&in, short_pad, sizeof(short_pad)); /* the padding is missing */
	g_assert_cmpint(lv_get_string(&in, 16, &s), ==, -EBADMSG);
	lv_in_init(&in, nul, sizeof(nul));
	g_assert_cmpint(lv_get_string(&in, 16, &s), ==, -EBADMSG);
	lv_in_init(&in, bad_bool, sizeof(bad_bool));
	g_assert_cmpint(lv_get_bool(&in, &flag), ==, -EBADMSG);
	lv_in_init(&in, bad_bool, sizeof(bad_bool));
	g_assert_cmpint(lv_get_opt_string(&in, 16, &s), ==, -EBADMSG);
	lv_in_init(&in, three, sizeof(three));
	g_assert_cmpint(lv_get_u32(&in, &u), ==, -EBADMSG);
	lv_in_init(&in, huge, 4);
	g_assert_cmpint(lv_get_u64(&in, &q), ==, -EBADMSG);
	lv_in_init(&in, huge, 4);
	g_assert_cmpint(lv_get_fixed(&in, &q, 5), ==, -EBADMSG); /* 5 bytes pad to 8 */
}

static void test_framing(void)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	struct lv_header h = { LV_PROG_REMOTE, 1, LV_AUTH_LIST, LV_CALL, 0, LV_OK }, got;
	/* virsh's first packet, as seen on the wire. */
	static const uint8_t auth_list[] = { 0, 0, 0, 0x1c, 0x20, 0,    0x80, 0x86, 0, 0,
		                             0, 1, 0, 0,    0,    0x42, 0,    0,    0, 0,
		                             0, 0, 0, 0,    0,    0,    0,    0 };
	uint8_t word[4];
	struct lv_in in;
	size_t len;

	lv_packet_begin(b, &h);
	g_assert_cmpint(lv_packet_end(b), ==, 0);
	g_assert_cmpmem(b->data, b->len, auth_list, sizeof(auth_list));
	g_assert_cmpint(lv_packet_length(b->data, &len), ==, 0);
	g_assert_cmpuint(len, ==, 28);
	lv_in_init(&in, b->data + 4, b->len - 4);
	g_assert_cmpint(lv_header_decode(&in, &got), ==, 0);
	g_assert_cmpmem(&got, sizeof(got), &h, sizeof(h));

	memcpy(word, (uint8_t[]){ 0, 0, 0, 27 }, 4); /* shorter than a header */
	g_assert_cmpint(lv_packet_length(word, &len), ==, -EBADMSG);
	memcpy(word, (uint8_t[]){ 0, 0, 0, 0 }, 4);
	g_assert_cmpint(lv_packet_length(word, &len), ==, -EBADMSG);
	/* 32 MiB of packet plus the length word is the most libvirt allows. */
	memcpy(word, (uint8_t[]){ 0x02, 0, 0, 4 }, 4);
	g_assert_cmpint(lv_packet_length(word, &len), ==, 0);
	g_assert_cmpuint(len, ==, (32u << 20) + 4);
	memcpy(word, (uint8_t[]){ 0x02, 0, 0, 5 }, 4);
	g_assert_cmpint(lv_packet_length(word, &len), ==, -EMSGSIZE);
	memcpy(word, (uint8_t[]){ 0xff, 0xff, 0xff, 0xff }, 4);
	g_assert_cmpint(lv_packet_length(word, &len), ==, -EMSGSIZE);

	/* A reply that outgrows the limit is refused. */
	lv_packet_begin(b, &h);
	g_byte_array_set_size(b, (32u << 20) + 8);
	g_assert_cmpint(lv_packet_end(b), ==, -EMSGSIZE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/libvirt/xdr/round-trip", test_round_trip);
	g_test_add_func("/libvirt/xdr/chars", test_chars);
	g_test_add_func("/libvirt/xdr/typed-params", test_typed_params);
	g_test_add_func("/libvirt/xdr/hostile", test_hostile);
	g_test_add_func("/libvirt/framing", test_framing);
	return g_test_run();
}
