/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test-guest library: console, interrupts and exception recovery,
 * x2APIC, TSC time, MMIO accessors and the assert macros (test.h).
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdarg.h>

#include "apic.h"
#include "arch.h"
#include "mmio.h"
#include "test.h"

/* Platform facts from docs/x86-vm-platform.md. */
#define COM1_BASE           0x3f8
#define COM1_IOAPIC_PIN     4
#define PM1_SLEEP_CTL       0x400
#define PM1_SLEEP_STS       0x401
#define RESET_REG           0xcf9
#define SLEEP_POWEROFF      0x34 /* SLP_EN | SLP_TYP = 5 */
#define TEST_DEV_BASE       0xfeb00000u
#define IOAPIC_BASE         0xfec00000u
#define LAPIC_MMIO_BASE     0xfee00000u

#define TESTDEV_MAGIC       0x00
#define TESTDEV_SCRATCH0    0x08
#define TESTDEV_SCRATCH1    0x10
#define TESTDEV_COUNT       0x18
#define TESTDEV_PRINT       0x20
#define TESTDEV_MAGIC_VALUE 0x54455354u

/* Set by crt0 from EBX at entry. */
extern uint32_t guest_vcpu_index;

/* Linker-script symbols. */
extern char __image_start[], __ro_end[], __data_end[], __bss_start[], __bss_end[], __image_end[];

void guest_main(void);
void guest_poweroff(void) __attribute__((noreturn));

/* Console: COM1, polled. */
void console_init(void);
void console_putc(char c);
int gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int gvprintf(const char *fmt, va_list ap);

/* Interrupts and exceptions. */
struct isr_frame {
#ifdef __x86_64__
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
#endif
	uintptr_t di, si, bp, bx, dx, cx, ax;
	uintptr_t vector, error, ip, cs, flags;
};

typedef void (*irq_handler_t)(struct isr_frame *f);

void idt_init(void);
void irq_set_handler(uint8_t vector, irq_handler_t h);
extern volatile unsigned int irq_unexpected;

/*
 * Exception recovery. GUEST_TRY() runs an instruction sequence with a
 * recovery point right after it: if any exception is raised, the handler
 * records the vector and error code and resumes at the recovery point, which
 * is how "skip the faulting instruction" works without decoding lengths.
 * It evaluates to the vector, or -1 if nothing faulted. Use "memory" in the
 * clobbers; the sequence must not use local label 97.
 */
extern volatile uintptr_t guest_fixup_ip;
extern volatile int guest_fault_vector;
extern volatile uintptr_t guest_fault_error;

#ifdef __x86_64__
#define GUEST_FIXUP_ARM    "movq $97f, guest_fixup_ip(%%rip)\n\t"
#define GUEST_FIXUP_DISARM "97:\n\tmovq $0, guest_fixup_ip(%%rip)\n\t"
#else
#define GUEST_FIXUP_ARM    "movl $97f, guest_fixup_ip\n\t"
#define GUEST_FIXUP_DISARM "97:\n\tmovl $0, guest_fixup_ip\n\t"
#endif

#define GUEST_TRY(insns, ...)                                                              \
	({                                                                                 \
		guest_fault_vector = -1;                                                   \
		asm volatile(GUEST_FIXUP_ARM insns "\n\t" GUEST_FIXUP_DISARM __VA_ARGS__); \
		guest_fault_vector;                                                        \
	})

#define VEC_DE 0
#define VEC_BP 3
#define VEC_UD 6
#define VEC_DF 8
#define VEC_GP 13
#define VEC_PF 14

/* Returns -1 on success, or the exception vector. */
static inline int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	int v;

	v = GUEST_TRY("rdmsr", : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = ((uint64_t)hi << 32) | lo;
	return v;
}

static inline int wrmsr_safe(uint32_t msr, uint64_t val)
{
	return GUEST_TRY("wrmsr",
	                 :
	                 : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
	                 : "memory");
}

/* Time. */
uint32_t tsc_khz(void);
uint64_t tsc_us_to_ticks(uint64_t us);
uint64_t tsc_ticks_to_us(uint64_t ticks);
void udelay(uint64_t us);
/* Spin with interrupts enabled until *flag != 0 or timeout_us passes. */
bool wait_flag_irq(volatile unsigned int *flag, uint64_t timeout_us);

/* Small helpers. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#ifdef __x86_64__
/* Map one 4 KiB page va -> pa in the live page tables (flags: PTE_*). */
#define PTE_P   0x001ull
#define PTE_RW  0x002ull
#define PTE_PWT 0x008ull
#define PTE_PCD 0x010ull
#define PTE_PS  0x080ull
void map_page_4k(uint64_t va, uint64_t pa, uint64_t flags);
/* Map one 1 GiB page; returns false if the CPU does not support them. */
bool map_page_1g(uint64_t va, uint64_t pa, uint64_t flags);
#endif

#endif
