/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual local APIC, x2APIC mode only (the guest finds x2APIC enabled at
 * reset and has no xAPIC MMIO page). A pure state machine: the VM layer feeds
 * it MSR accesses, interrupts and timer expiries, and it reports back through
 * struct vlapic_ops.
 *
 * Concurrency: no locking inside. The caller serializes every call on one
 * struct vlapic (accept_irq from other vCPUs included). Hooks are invoked as
 * the last step of a call, after the state is consistent, so a hook may call
 * back into the same vlapic (e.g. send_ipi delivering to the sender, or
 * eoi_level re-delivering a still-asserted IOAPIC line) if the caller's
 * serialization allows that nesting.
 *
 * Time: the guest TSC is the host TSC. Every entry point that depends on
 * time takes the current TSC; counts are derived from it, never kept running.
 *
 * APIC timer clock: the count-based timer (one-shot/periodic) is clocked by a
 * "bus"/crystal clock of exactly TSC / VLAPIC_TSC_PER_BUS_TICK. CPUID leaf
 * 0x15 must report the same thing: EAX = 1, EBX = VLAPIC_TSC_PER_BUS_TICK,
 * ECX = vlapic_bus_hz(tsc_khz). Two keeps ECX (32-bit Hz) valid for TSCs up
 * to 8.5 GHz while Linux's 32-bit crystal_khz * EBX / EAX stays exact to
 * 1 kHz.
 */
#ifndef ARCH_VLAPIC_H
#define ARCH_VLAPIC_H

#include <hv/types.h>

#define VLAPIC_TSC_PER_BUS_TICK 2U

/* Periodic mode never fires faster than this, whatever the guest programs. */
#define VLAPIC_MIN_PERIOD_US 100U

/* MSRs */
#define VLAPIC_MSR_APIC_BASE    0x1BU
#define VLAPIC_MSR_TSC_DEADLINE 0x6E0U
#define VLAPIC_MSR_X2APIC_FIRST 0x800U
#define VLAPIC_MSR_X2APIC_LAST  0x8FFU

#define VLAPIC_BASE_BSP         BIT(8)
#define VLAPIC_BASE_EXTD        BIT(10)
#define VLAPIC_BASE_EN          BIT(11)
#define VLAPIC_BASE_DEFAULT     0xFEE00000ULL

/* x2APIC register MSRs (0x800 + xAPIC offset / 16) */
#define VLAPIC_MSR_ID          0x802U
#define VLAPIC_MSR_VERSION     0x803U
#define VLAPIC_MSR_TPR         0x808U
#define VLAPIC_MSR_PPR         0x80AU
#define VLAPIC_MSR_EOI         0x80BU
#define VLAPIC_MSR_LDR         0x80DU
#define VLAPIC_MSR_SVR         0x80FU
#define VLAPIC_MSR_ISR0        0x810U
#define VLAPIC_MSR_TMR0        0x818U
#define VLAPIC_MSR_IRR0        0x820U
#define VLAPIC_MSR_ESR         0x828U
#define VLAPIC_MSR_LVT_CMCI    0x82FU
#define VLAPIC_MSR_ICR         0x830U
#define VLAPIC_MSR_LVT_TIMER   0x832U
#define VLAPIC_MSR_LVT_THERMAL 0x833U
#define VLAPIC_MSR_LVT_PMC     0x834U
#define VLAPIC_MSR_LVT_LINT0   0x835U
#define VLAPIC_MSR_LVT_LINT1   0x836U
#define VLAPIC_MSR_LVT_ERROR   0x837U
#define VLAPIC_MSR_TIMER_INIT  0x838U
#define VLAPIC_MSR_TIMER_CUR   0x839U
#define VLAPIC_MSR_TIMER_DCR   0x83EU
#define VLAPIC_MSR_SELF_IPI    0x83FU

/* Version: integrated APIC (0x14), max LVT entry 6 (CMCI present), no EOI-broadcast suppression. */
#define VLAPIC_VERSION               0x00060014U

#define VLAPIC_SVR_ENABLE            BIT(8)
#define VLAPIC_LVT_MASKED            BIT(16)
#define VLAPIC_LVT_TIMER_MODE_SHIFT  17
#define VLAPIC_LVT_TIMER_ONESHOT     0U
#define VLAPIC_LVT_TIMER_PERIODIC    1U
#define VLAPIC_LVT_TIMER_TSCDEADLINE 2U

#define VLAPIC_ESR_SEND_ILLEGAL      BIT(5)
#define VLAPIC_ESR_RECV_ILLEGAL      BIT(6)

/* ICR fields */
#define VLAPIC_ICR_DEST_LOGICAL    BIT(11)
#define VLAPIC_ICR_LEVEL_ASSERT    BIT(14)
#define VLAPIC_ICR_TRIGGER_LEVEL   BIT(15)
#define VLAPIC_ICR_SHORTHAND_SHIFT 18

#define VLAPIC_BROADCAST           0xFFFFFFFFU

/* Delivery modes as encoded in the ICR/LVT/IOAPIC, plus INIT level-deassert. */
enum vlapic_dm {
	VLAPIC_DM_FIXED = 0,
	VLAPIC_DM_LOWEST = 1,
	VLAPIC_DM_SMI = 2,
	VLAPIC_DM_NMI = 4,
	VLAPIC_DM_INIT = 5,
	VLAPIC_DM_SIPI = 6,
	VLAPIC_DM_EXTINT = 7, /* IOAPIC/LINT only, never in an IPI */
	/* Not an ICR encoding: INIT with trigger=level, level=deassert. */
	VLAPIC_DM_INIT_DEASSERT = 8,
};

enum vlapic_shorthand {
	VLAPIC_SH_NONE = 0,
	VLAPIC_SH_SELF = 1,
	VLAPIC_SH_ALL_INCL = 2,
	VLAPIC_SH_ALL_EXCL = 3,
};

/* An IPI as written to the ICR. Targets are resolved by the VM layer. */
struct vlapic_ipi {
	uint8_t vector;        /* fixed/lowest: vector; SIPI: start page */
	uint8_t delivery_mode; /* enum vlapic_dm */
	uint8_t shorthand;     /* enum vlapic_shorthand */
	bool logical;          /* destination mode: x2APIC cluster-logical */
	bool level_trigger;    /* ICR bit 15 */
	bool level_assert;     /* ICR bit 14 */
	uint32_t dest;         /* ICR[63:32]; meaningless with a shorthand */
	uint32_t src_id;       /* APIC id of the sender */
};

struct vlapic_ops {
	/* Absolute host TSC at which to call vlapic_timer_expired(); 0 = cancel. */
	void (*timer_arm)(void *owner, uint64_t tsc_deadline);
	/* A decoded ICR write; the VM layer resolves targets (possibly the sender). */
	void (*send_ipi)(void *owner, const struct vlapic_ipi *ipi);
	/* EOI of a level-triggered vector, to forward to the vIOAPIC. */
	void (*eoi_level)(void *owner, uint8_t vector);
	/* An interrupt became deliverable: wake/kick the vCPU. May be a self-kick. */
	void (*kick)(void *owner);
};

enum vlapic_lvt_index {
	VLAPIC_LVT_CMCI = 0,
	VLAPIC_LVT_TIMER,
	VLAPIC_LVT_THERMAL,
	VLAPIC_LVT_PMC,
	VLAPIC_LVT_LINT0,
	VLAPIC_LVT_LINT1,
	VLAPIC_LVT_ERROR,
	VLAPIC_LVT_COUNT,
};

/* Embedded by the caller; all fields are private to vlapic.c. */
struct vlapic {
	const struct vlapic_ops *ops;
	void *owner;
	uint64_t tsc_khz;
	uint64_t apic_base; /* IA32_APIC_BASE as the guest reads it */
	uint32_t apic_id;
	uint32_t tpr;
	uint32_t ppr;
	uint32_t svr;
	uint32_t esr;         /* value latched by the last ESR write */
	uint32_t esr_pending; /* errors detected since then */
	uint32_t lvt[VLAPIC_LVT_COUNT];
	uint32_t isr[8];
	uint32_t tmr[8];
	uint32_t irr[8];
	uint64_t icr;
	uint32_t timer_initial; /* initial count register */
	uint32_t timer_dcr;     /* divide configuration register */
	/*
	 * Count modes: TSC of the end of the current period (0 = stopped) and
	 * the period in TSC ticks. TSC-deadline mode: the IA32_TSC_DEADLINE
	 * value (0 = disarmed).
	 */
	uint64_t timer_deadline;
	uint64_t timer_period;
};

static inline uint32_t vlapic_bus_hz(uint64_t tsc_khz)
{
	return (uint32_t)(tsc_khz * 1000U / VLAPIC_TSC_PER_BUS_TICK);
}

/* Power-up state: x2APIC enabled, IA32_APIC_BASE = 0xFEE00000 | EN | EXTD (| BSP). */
void vlapic_init(struct vlapic *v, uint32_t apic_id, bool bsp, uint64_t tsc_khz,
                 const struct vlapic_ops *ops, void *owner);
/* INIT: registers back to their reset values; APIC id and IA32_APIC_BASE kept. */
void vlapic_reset(struct vlapic *v);

bool vlapic_handles_msr(uint32_t msr);
/* -EINVAL: the caller injects #GP. */
int vlapic_msr_read(struct vlapic *v, uint32_t msr, uint64_t *val, uint64_t now_tsc);
int vlapic_msr_write(struct vlapic *v, uint32_t msr, uint64_t val, uint64_t now_tsc);

/* Fixed-mode interrupt for this LAPIC; level selects the TMR bit. */
void vlapic_accept_irq(struct vlapic *v, uint8_t vector, bool level);
/* Highest IRR vector whose priority class beats the PPR, or -1. */
int vlapic_pending_vector(const struct vlapic *v);
/* The vector was injected into the guest: IRR -> ISR. */
void vlapic_ack(struct vlapic *v, uint8_t vector);
/* The timer_arm hook fired. Early or stale calls are harmless. */
void vlapic_timer_expired(struct vlapic *v, uint64_t now_tsc);
/* x2APIC physical or cluster-logical destination; 0xFFFFFFFF is broadcast. */
bool vlapic_match_dest(const struct vlapic *v, uint32_t dest, bool logical);

#endif
