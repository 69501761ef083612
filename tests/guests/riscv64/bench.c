/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exit rates for tests/bench/riscv-exits: N SBI calls (BASE
 * get_spec_version), then N 4-byte loads from the PLIC's source-1 priority
 * register, each a guest-page fault the hypervisor emulates. The same image
 * runs under our hypervisor and under the HS-mode baseline loop.
 */
#include "guest.h"

#define N        100000UL
#define TIMEBASE 10000000UL /* QEMU virt; the baseline passes no device tree */

static void put_dec(unsigned long v)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		putc_sbi(buf[--n]);
}

static void say_rate(const char *what, unsigned long ticks)
{
	puts_sbi("RV-BENCH: ");
	puts_sbi(what);
	puts_sbi("_exits_per_s=");
	put_dec(ticks ? N * TIMEBASE / ticks : 0);
	putc_sbi('\n');
}

void guest_main(void)
{
	unsigned long t0, t1, t2, t3, n = N, tmp;

	t0 = rdtime();
	for (unsigned long i = 0; i < N; i++)
		ecall(EXT_BASE, 0, 0, 0, 0);
	t1 = rdtime();
	t2 = rdtime();
	/* A 32-bit lw (no compressed form): the baseline skips 4 bytes per fault. */
	__asm__ volatile(".option push\n"
	                 ".option norvc\n"
	                 "1: lw %1, 0(%2)\n"
	                 "addi %0, %0, -1\n"
	                 "bnez %0, 1b\n"
	                 ".option pop\n"
	                 : "+r"(n), "=&r"(tmp)
	                 : "r"(0x0c000004UL)
	                 : "memory");
	t3 = rdtime();
	say_rate("ecall", t1 - t0);
	say_rate("mmio", t3 - t2);
	puts_sbi("RV-BENCH: done\n");
	shutdown();
}
