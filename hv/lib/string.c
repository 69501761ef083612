/* SPDX-License-Identifier: BSD-3-Clause */
/* Freestanding string functions. Simple byte loops: the hypervisor copies little data. */
#include <hv/lib.h>

/*
 * Word-at-a-time loops rather than "rep movsb/stosb": on the emulated board
 * (QEMU TCG) every iteration of a REP string instruction costs a separate
 * dispatch, which made small copies on the exit path expensive. GCC must not
 * turn these loops back into calls to themselves.
 */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

typedef uint64_t __attribute__((may_alias, aligned(1))) unaligned_u64;
typedef uint64_t __attribute__((may_alias)) aligned_u64;

/*
 * Where misaligned access is not known to be fast (RISC-V), GCC splits an
 * unaligned_u64 access into eight byte accesses: zeroing a 64 MiB VM took
 * 0.66 s on QEMU riscv64. So the bulk goes through aligned words whenever
 * the pointers can be aligned together.
 */
static inline bool co_aligned(const void *a, const void *b)
{
	return (((uintptr_t)a ^ (uintptr_t)b) & 7) == 0;
}

__hot NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (n >= 16 && co_aligned(d, s)) {
		for (; (uintptr_t)d & 7; n--)
			*d++ = *s++;
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(aligned_u64 *)d = *(const aligned_u64 *)s;
	}
	for (; n >= 8; n -= 8, d += 8, s += 8)
		*(unaligned_u64 *)d = *(const unaligned_u64 *)s;
	while (n--)
		*d++ = *s++;
	return dst;
}

NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

__hot NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	uint64_t w = 0x0101010101010101ULL * (uint8_t)c;

	if (n >= 16) {
		for (; (uintptr_t)d & 7; n--)
			*d++ = (uint8_t)c;
		for (; n >= 8; n -= 8, d += 8)
			*(aligned_u64 *)d = w;
	}
	for (; n >= 8; n -= 8, d += 8)
		*(unaligned_u64 *)d = w;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] - y[i];
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
