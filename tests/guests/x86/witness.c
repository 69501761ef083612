// SPDX-License-Identifier: BSD-3-Clause
/*
 * The bystander of the hostile scenario. It runs on another pCPU while the
 * hostile VM attacks the hypervisor and finally triple-faults, and proves
 * that it kept running (a tick line every 500 ms for 20 s, timed by the
 * TSC, long enough to outlast the hostile guest on a loaded board) and that nobody touched its memory (its code and a 12 MiB
 * pattern are re-verified every round).
 */
#include "guest.h"

#define RUN_MS     20000
#define TICK_MS    500
#define PATTERN_LO 0x00200000u
#define PATTERN_HI 0x00e00000u

static uint32_t pattern_word(uint32_t addr)
{
	/* xorshift of the address: position-dependent, so moved data shows. */
	uint32_t x = addr ^ 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

static void pattern_fill(void)
{
	for (uint32_t a = PATTERN_LO; a < PATTERN_HI; a += 4)
		*(volatile uint32_t *)(uintptr_t)a = pattern_word(a);
}

/* Returns the first bad address, or 0. */
static uint32_t pattern_check(void)
{
	for (uint32_t a = PATTERN_LO; a < PATTERN_HI; a += 4)
		if (*(volatile uint32_t *)(uintptr_t)a != pattern_word(a))
			return a;
	return 0;
}

static uint32_t code_checksum(void)
{
	uint32_t h = 2166136261u; /* FNV-1a over code and read-only data */

	for (const volatile uint8_t *p = (const uint8_t *)__image_start;
	     p < (const uint8_t *)__ro_end; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

void guest_main(void)
{
	uint64_t start, next, tick;
	uint32_t sum0, bad = 0, rounds;
	bool intact = true;

	TEST_START("witness");
	EXPECT_LE((uintptr_t)__image_end, PATTERN_LO);
	pattern_fill();
	sum0 = code_checksum();
	tick = tsc_us_to_ticks(TICK_MS * 1000);
	rounds = RUN_MS / TICK_MS;
	start = rdtsc();
	next = start;

	for (uint32_t n = 1; n <= rounds; n++) {
		uint32_t sum;

		next += tick;
		while (rdtsc() < next)
			cpu_relax();
		bad = pattern_check();
		sum = code_checksum();
		EXPECT_EQ(bad, 0);
		EXPECT_EQ(sum, sum0);
		if (bad || sum != sum0) {
			intact = false;
			gprintf("WITNESS: memory changed at 0x%x (code sum 0x%x, was 0x%x)\n", bad,
			        sum, sum0);
			/* Repair, so later rounds report new damage only. */
			pattern_fill();
		}
		gprintf("WITNESS: tick %u\n", n);
	}
	/* The run took as long as the TSC says it should have. */
	EXPECT_GE(rdtsc() - start, tsc_us_to_ticks(RUN_MS * 1000));
	gprintf(intact ? "WITNESS: memory intact\n" : "WITNESS: memory CORRUPTED\n");
	TEST_END();
}
