/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hypervisor's memcpy and memset (hv/lib/string.c), built for the host
 * under other names: every destination and source alignment and lengths
 * around the word-loop thresholds give the bytes a plain byte loop gives,
 * and nothing outside the range is touched. The aligned word path exists
 * for RISC-V, where unaligned words are split into bytes.
 */
#define memcpy  hv_memcpy
#define memmove hv_memmove
#define memset  hv_memset
#define memcmp  hv_memcmp
#define strlen  hv_strlen
#define strnlen hv_strnlen
#define strcmp  hv_strcmp
#define strncmp hv_strncmp
#define strchr  hv_strchr
#include "../../../hv/lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr

#include <stdio.h>

#define BUF   5000
#define GUARD 0x5a

static uint8_t dst[BUF + 64], src[BUF + 64], want[BUF + 64];
static int failures, tests;

static void ok(bool cond, const char *what, size_t doff, size_t soff, size_t n)
{
	tests++;
	if (!cond) {
		failures++;
		printf("# failed: %s, dst+%zu src/value %zu n=%zu\n", what, doff, soff, n);
	}
}

static void fill(uint8_t *b, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seed + i * 7 + (i >> 8));
}

static bool same(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (a[i] != b[i])
			return false;
	}
	return true;
}

static void check_memcpy(size_t doff, size_t soff, size_t n)
{
	fill(src, sizeof(src), 3);
	for (size_t i = 0; i < sizeof(dst); i++)
		dst[i] = want[i] = GUARD;
	for (size_t i = 0; i < n; i++)
		want[doff + i] = src[soff + i];
	ok(hv_memcpy(dst + doff, src + soff, n) == dst + doff, "memcpy returns dst", doff, soff, n);
	ok(same(dst, want, sizeof(dst)), "memcpy bytes and guards", doff, soff, n);
}

static void check_memset(size_t doff, int c, size_t n)
{
	fill(dst, sizeof(dst), 11);
	for (size_t i = 0; i < sizeof(dst); i++)
		want[i] = dst[i];
	for (size_t i = 0; i < n; i++)
		want[doff + i] = (uint8_t)c;
	ok(hv_memset(dst + doff, c, n) == dst + doff, "memset returns dst", doff, (size_t)c, n);
	ok(same(dst, want, sizeof(dst)), "memset bytes and guards", doff, (size_t)c, n);
}

int main(void)
{
	static const size_t lens[] = {
		0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 31, 33, 64, 100, 4096, BUF
	};

	for (size_t doff = 0; doff < 8; doff++) {
		for (size_t soff = 0; soff < 8; soff++) {
			for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
				check_memcpy(doff, soff, lens[i]);
		}
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			check_memset(doff, 0, lens[i]);
			check_memset(doff, 0x1a5, lens[i]); /* only the low byte counts */
		}
	}
	printf("1..1\n%s 1 - memcpy and memset: %d of %d checks failed\n",
	       failures ? "not ok" : "ok", failures, tests);
	return failures != 0;
}
