/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * x86 instruction wrappers for the bare-metal test guests. The same header
 * serves the 32-bit guests and the 64-bit (long mode) ones.
 */
#ifndef GUEST_ARCH_H
#define GUEST_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Selectors of the GDT that crt0 loads; the IDT gates depend on them. */
#define GDT_CODE32            0x08
#define GDT_DATA              0x10
#define GDT_CODE64            0x18

#define MSR_IA32_TSC          0x00000010
#define MSR_IA32_APIC_BASE    0x0000001b
#define MSR_IA32_PAT          0x00000277
#define MSR_IA32_TSC_DEADLINE 0x000006e0
#define MSR_EFER              0xc0000080

#define APIC_BASE_BSP         (1u << 8)
#define APIC_BASE_EXTD        (1u << 10)
#define APIC_BASE_EN          (1u << 11)

#define EFER_LME              (1u << 8)
#define EFER_LMA              (1u << 10)
#define EFER_SVME             (1u << 12)

#define X86_EFLAGS_IF         (1u << 9)

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
	             : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
	             : "a"(leaf), "c"(subleaf)
	             : "memory");
	return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf)
{
	return cpuid_count(leaf, 0);
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	/* lfence keeps the read from drifting above the code being timed. */
	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

static inline void irq_enable(void)
{
	asm volatile("sti" : : : "memory");
}

static inline void irq_disable(void)
{
	asm volatile("cli" : : : "memory");
}

/*
 * sti's interrupt shadow covers the hlt, so an interrupt that is already
 * pending wakes the hlt instead of being taken before it and lost.
 */
static inline void safe_halt(void)
{
	asm volatile("sti; hlt" : : : "memory");
}

static inline unsigned long read_flags(void)
{
	unsigned long f;

	asm volatile("pushf; pop %0" : "=r"(f) : : "memory");
	return f;
}

static inline unsigned long read_cr0(void)
{
	unsigned long v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr3(void)
{
	unsigned long v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(unsigned long v)
{
	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline unsigned long read_cr4(void)
{
	unsigned long v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void invlpg(unsigned long va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void barrier(void)
{
	asm volatile("" : : : "memory");
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
