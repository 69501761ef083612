// SPDX-License-Identifier: BSD-3-Clause
/*
 * Exit-rate benchmark guest for tests/bench/hv-exits: N OUTs to a port the
 * hypervisor does not emulate and N MMIO reads of the test device's scratch
 * register, timed with the TSC at the rate CPUID 0x40000010 reports. The
 * instruction loops are byte-for-byte those of the bare VMRUN baseline
 * (tests/bench/x86/vmrun-loop/guest.S), so the two rates compare.
 * "BENCH: pio start", "BENCH: pio done" and "BENCH: mmio done" mark the
 * phase boundaries on the console for tests/bench/vmx-exits, which times
 * them in wall time; the TSC intervals leave those prints out.
 */
#include "guest.h"

#define N_EXITS 200000u

static uint64_t rate(uint64_t ticks)
{
	return ticks ? (uint64_t)N_EXITS * tsc_khz() * 1000 / ticks : 0;
}

void guest_main(void)
{
	uint32_t n, dummy;
	uint64_t t0, t1, t2, t3;

	TEST_START("bench-exits");
	EXPECT_EQ(mmio_read32(TEST_DEV_BASE + TESTDEV_MAGIC), TESTDEV_MAGIC_VALUE);
	EXPECT_NE(tsc_khz(), 0);

	gprintf("BENCH: pio start\n");
	n = N_EXITS;
	t0 = rdtsc();
	asm volatile("1: outb %%al, $0x80\n\t"
	             "dec %%ecx\n\t"
	             "jnz 1b"
	             : "+c"(n)
	             : "a"(0)
	             : "memory");
	t1 = rdtsc();
	gprintf("BENCH: pio done\n");
	n = N_EXITS;
	t2 = rdtsc();
	asm volatile("1: movl (%%ebx), %%eax\n\t"
	             "dec %%ecx\n\t"
	             "jnz 1b"
	             : "+c"(n), "=a"(dummy)
	             : "b"(TEST_DEV_BASE + TESTDEV_SCRATCH0)
	             : "memory");
	t3 = rdtsc();
	gprintf("BENCH: mmio done\n");

	gprintf("ours pio_exits_per_s=%llu\n", (unsigned long long)rate(t1 - t0));
	gprintf("ours mmio_exits_per_s=%llu\n", (unsigned long long)rate(t3 - t2));
	TEST_END();
}
