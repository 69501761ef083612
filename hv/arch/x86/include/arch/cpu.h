/* SPDX-License-Identifier: BSD-3-Clause */
/* x86 instructions and registers used across arch code. */
#ifndef ARCH_X86_CPU_H
#define ARCH_X86_CPU_H

#include <hv/types.h>

#define MSR_IA32_APIC_BASE    0x1B
#define MSR_IA32_TSC          0x10
#define MSR_IA32_MISC_ENABLE  0x1A0
#define MSR_IA32_PAT          0x277
#define MSR_IA32_TSC_DEADLINE 0x6E0
#define MSR_EFER              0xC0000080
#define MSR_FS_BASE           0xC0000100
#define MSR_GS_BASE           0xC0000101
#define MSR_KERNEL_GS_BASE    0xC0000102
#define MSR_VM_CR             0xC0010114
#define MSR_VM_HSAVE_PA       0xC0010117

#define EFER_SCE              BIT(0)
#define EFER_LME              BIT(8)
#define EFER_LMA              BIT(10)
#define EFER_NXE              BIT(11)
#define EFER_SVME             BIT(12)

#define CR0_PE                BIT(0)
#define CR0_MP                BIT(1)
#define CR0_EM                BIT(2)
#define CR0_TS                BIT(3)
#define CR0_ET                BIT(4)
#define CR0_NE                BIT(5)
#define CR0_WP                BIT(16)
#define CR0_PG                BIT(31)
#define CR4_PAE               BIT(5)
#define CR4_OSXSAVE           BIT(18)

#define RFLAGS_IF             BIT(9)

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
}

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
                               uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline void xsetbv(uint32_t idx, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t xgetbv(uint32_t idx)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(idx));
	return ((uint64_t)hi << 32) | lo;
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

/* Host CPU features found at boot. */
struct x86_features {
	bool svm, npt, vmx, xsave, tsc_deadline, x2apic, invariant_tsc, pdpe1gb;
	uint32_t svm_nr_asids;
	uint64_t xcr0_max;
	uint32_t xsave_size;
};
extern struct x86_features x86_features;

#endif
