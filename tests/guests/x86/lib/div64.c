// SPDX-License-Identifier: BSD-3-Clause
/*
 * 64-bit division helpers that gcc calls in 32-bit code. The guests link
 * without libgcc because the build machine has no 32-bit multilib, so they
 * provide their own: plain shift-and-subtract long division, which is fast
 * enough for printing and for a handful of time conversions.
 */
#include <stdint.h>

#ifndef __x86_64__
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;

	if (d == 0) {
		/* Same outcome as the hardware: a divide error. */
		asm volatile("divl %0" : : "r"(0u), "a"(0u), "d"(0u));
		return 0;
	}
	if ((d >> 32) == 0 && (n >> 32) == 0) {
		if (rem)
			*rem = (uint32_t)n % (uint32_t)d;
		return (uint32_t)n / (uint32_t)d;
	}
	for (int i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ull << i;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	return __udivmoddi4(n, d, 0);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	__udivmoddi4(n, d, &r);
	return r;
}

int64_t __divdi3(int64_t n, int64_t d)
{
	uint64_t un = n < 0 ? -(uint64_t)n : (uint64_t)n;
	uint64_t ud = d < 0 ? -(uint64_t)d : (uint64_t)d;
	uint64_t q = __udivmoddi4(un, ud, 0);

	return (n < 0) != (d < 0) ? -(int64_t)q : (int64_t)q;
}

int64_t __moddi3(int64_t n, int64_t d)
{
	uint64_t un = n < 0 ? -(uint64_t)n : (uint64_t)n;
	uint64_t ud = d < 0 ? -(uint64_t)d : (uint64_t)d;
	uint64_t r;

	__udivmoddi4(un, ud, &r);
	return n < 0 ? -(int64_t)r : (int64_t)r;
}
#endif
