/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the two baseline hypervisors of the exit benchmarks (vmrun-loop for
 * SVM, vmx-loop for VMX) share: port and MSR access, the serial console,
 * number printing, TSC calibration against the PIT, the iteration count from
 * the command line and the report line the bench scripts parse. Header-only,
 * so each baseline stays one C file built by its build.sh.
 */
#ifndef BENCH_BASELINE_H
#define BENCH_BASELINE_H

#include <stdbool.h>
#include <stdint.h>

/* Exits per phase, as the bench-exits guest makes them; "n=" on the command line overrides. */
#define N_DEFAULT 200000u

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint32_t cpuid_ecx(uint32_t leaf)
{
	uint32_t a = leaf, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static void putc_serial(char c)
{
	for (int i = 0; i < 100000 && !(inb(0x3fd) & 0x20); i++)
		;
	outb(0x3f8, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

static void put_u64(uint64_t v, unsigned int base)
{
	char buf[24];
	int i = sizeof(buf);

	buf[--i] = 0;
	do {
		buf[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	puts_serial(buf + i);
}

/* TSC ticks per ms over 50 ms of PIT channel 2 (mode 0, gate via port 0x61). */
static uint64_t tsc_khz_from_pit(void)
{
	const uint32_t latch = 1193182 / 20;
	uint64_t t0, t1;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, latch & 0xff);
	outb(0x42, latch >> 8);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		;
	t1 = rdtsc();
	return (t1 - t0) / 50;
}

/* "n=NUMBER" on the multiboot command line overrides the exit count. */
static uint32_t count_from_cmdline(uint32_t mbi)
{
	const char *p;
	uint32_t n = 0;

	if (!mbi || !(*(volatile uint32_t *)(uintptr_t)mbi & (1u << 2)))
		return N_DEFAULT;
	p = (const char *)(uintptr_t) * (volatile uint32_t *)(uintptr_t)(mbi + 16);
	for (; *p; p++) {
		if (p[0] == 'n' && p[1] == '=') {
			for (p += 2; *p >= '0' && *p <= '9'; p++)
				n = n * 10 + (uint32_t)(*p - '0');
			return n ? n : N_DEFAULT;
		}
	}
	return N_DEFAULT;
}

static void report(const char *name, uint64_t exits, uint64_t ticks, uint64_t khz)
{
	puts_serial("baseline ");
	puts_serial(name);
	puts_serial("_exits_per_s=");
	put_u64(ticks ? exits * khz * 1000 / ticks : 0, 10);
	puts_serial("\n");
}

#endif
