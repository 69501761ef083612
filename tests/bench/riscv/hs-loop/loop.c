/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A minimal HS-mode hypervisor loop, the baseline of tests/bench/riscv-exits:
 * one VS-mode guest with 16 MiB at guest-physical 0 (Sv39x4, 2 MiB pages),
 * the same delegation as our hypervisor, and exits handled with nothing
 * decoded: an ecall returns 0 (legacy putchar and SRST go to OpenSBI), a
 * guest-page fault skips the 4-byte load that caused it.
 */
#include <stdint.h>

#define GUEST_RAM   (16UL << 20)
#define GUEST_ENTRY 0x200000UL
#define MB2         (2UL << 20)

#define csr_read(csr)                                                     \
	({                                                                \
		uint64_t __v;                                             \
		__asm__ volatile("csrr %0, " #csr : "=r"(__v)::"memory"); \
		__v;                                                      \
	})
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"r"(val) : "memory")

struct ctx {
	uint64_t x[32], sepc, sstatus, hstatus, host[16];
};

extern const uint8_t guest_bin[], guest_bin_end[];
void guest_enter(struct ctx *c);

static uint8_t guest_ram[GUEST_RAM] __attribute__((aligned(1 << 21)));
static uint64_t root[2048] __attribute__((aligned(16384)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static struct ctx ctx;

static long sbi(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1)
{
	register unsigned long r0 __asm__("a0") = a0;
	register unsigned long r1 __asm__("a1") = a1;
	register unsigned long r6 __asm__("a6") = fid;
	register unsigned long r7 __asm__("a7") = ext;

	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r6), "r"(r7) : "memory");
	return (long)r0;
}

static void puts_(const char *s)
{
	while (*s)
		sbi(1, 0, (unsigned char)*s++, 0);
}

void hs_main(void)
{
	uint64_t n = (uint64_t)(guest_bin_end - guest_bin);

	/* G-stage: V, and for leaves R W X U A D. */
	root[0] = ((uint64_t)(uintptr_t)l1 >> 12) << 10 | 1;
	for (unsigned i = 0; i < GUEST_RAM / MB2; i++)
		l1[i] = ((uint64_t)(uintptr_t)(guest_ram + i * MB2) >> 12) << 10 | 0xdf;
	csr_write(hgatp, 8UL << 60 | 1UL << 44 | (uint64_t)(uintptr_t)root >> 12);
	__asm__ volatile(".insn r 0x73, 0, 0x31, x0, x0, x0" ::: "memory"); /* hfence.gvma */
	for (uint64_t i = 0; i < n; i++)
		guest_ram[GUEST_ENTRY + i] = guest_bin[i];
	__asm__ volatile("fence.i" ::: "memory");

	csr_write(hedeleg, 0xb1ffUL & ~(1UL << 9 | 1UL << 10 | 1UL << 11));
	csr_write(hideleg, 0x444UL);
	csr_write(hcounteren, 7UL);
	__asm__ volatile("csrs 0x60A, %0" ::"r"(1UL << 63)); /* henvcfg.STCE */
	ctx.sepc = GUEST_ENTRY;
	ctx.sstatus = (csr_read(sstatus) | 1UL << 8) & ~(1UL << 1 | 1UL << 5 | 3UL << 13);
	ctx.hstatus = csr_read(hstatus) | 1UL << 7 | 1UL << 8; /* SPV, SPVP */
	puts_("baseline: HS-mode loop entering the guest\n");
	for (;;) {
		uint64_t cause;

		guest_enter(&ctx);
		cause = csr_read(scause);
		if (cause == 10) { /* VS ecall */
			ctx.sepc += 4;
			if (ctx.x[17] == 1)
				sbi(1, 0, ctx.x[10], 0);
			else if (ctx.x[17] == 0x53525354)
				sbi(0x53525354, 0, 0, 0);
			ctx.x[10] = 0;
			ctx.x[11] = 0;
		} else if (cause == 21 || cause == 23) {
			ctx.sepc += 4; /* the benchmark's MMIO accesses are 4-byte loads */
		} else {
			puts_("baseline: unexpected exit, stopping\n");
			sbi(0x53525354, 0, 0, 1);
		}
	}
}
