/* SPDX-License-Identifier: BSD-3-Clause */
/* x2APIC register MSRs (SDM vol. 3, "x2APIC Register Address Space"). */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include "arch.h"

#define X2APIC_ID           0x802
#define X2APIC_VERSION      0x803
#define X2APIC_TPR          0x808
#define X2APIC_PPR          0x80a
#define X2APIC_EOI          0x80b
#define X2APIC_LDR          0x80d
#define X2APIC_SVR          0x80f
#define X2APIC_ISR0         0x810
#define X2APIC_TMR0         0x818
#define X2APIC_IRR0         0x820
#define X2APIC_ESR          0x828
#define X2APIC_ICR          0x830
#define X2APIC_LVT_TIMER    0x832
#define X2APIC_LVT_LINT0    0x835
#define X2APIC_LVT_LINT1    0x836
#define X2APIC_LVT_ERROR    0x837
#define X2APIC_TMICT        0x838
#define X2APIC_TMCCT        0x839
#define X2APIC_TDCR         0x83e
#define X2APIC_SELF_IPI     0x83f

#define APIC_SVR_ENABLE     (1u << 8)
#define APIC_SPURIOUS_VEC   0xff
#define APIC_LVT_MASKED     (1u << 16)
#define APIC_TIMER_ONESHOT  (0u << 17)
#define APIC_TIMER_PERIODIC (1u << 17)
#define APIC_TIMER_TSC_DL   (2u << 17)
#define APIC_TDCR_DIV1      0xb
#define APIC_TDCR_DIV2      0x0
#define APIC_ICR_SELF       (1u << 18) /* destination shorthand 01 */
#define APIC_ICR_ALL_INCL   (2u << 18) /* destination shorthand 10 */

static inline void x2apic_eoi(void)
{
	wrmsr(X2APIC_EOI, 0);
}

static inline void x2apic_self_ipi(uint8_t vector)
{
	wrmsr(X2APIC_SELF_IPI, vector);
}

/* The ISR/IRR/TMR banks are eight 32-bit registers, vectors 32 per MSR. */
static inline bool x2apic_isr_test(uint8_t vector)
{
	return (rdmsr(X2APIC_ISR0 + vector / 32) >> (vector % 32)) & 1;
}

static inline bool x2apic_irr_test(uint8_t vector)
{
	return (rdmsr(X2APIC_IRR0 + vector / 32) >> (vector % 32)) & 1;
}

/*
 * Software-enable the vLAPIC (SVR.8) with TPR 0, the timer masked and LINT0
 * masked, so a platform's ExtINT source cannot get in the tests' way.
 */
static inline void x2apic_enable(void)
{
	wrmsr(X2APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VEC);
	wrmsr(X2APIC_TPR, 0);
	wrmsr(X2APIC_LVT_TIMER, APIC_LVT_MASKED);
	wrmsr(X2APIC_LVT_LINT0, APIC_LVT_MASKED);
}

/*
 * The vLAPIC timer counts at the core crystal clock, CPUID.15H:ECX Hz, as
 * on current Intel parts (divide configuration 1).
 */
static inline uint32_t apic_timer_hz(void)
{
	return cpuid(0x15).ecx;
}

#endif
