/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual local APIC (Intel SDM vol. 3, ch. 10/11). It powers up in x2APIC
 * mode (MSR interface), but a guest may leave it, as on hardware: x2APIC ->
 * disabled -> xAPIC (the memory-mapped page at 0xFEE00000) and xAPIC ->
 * x2APIC. Linux without interrupt remapping does exactly that. A pure state
 * machine: the VM layer feeds it MSR and MMIO accesses, interrupts and timer
 * expiries, and it reports back through struct vlapic_ops.
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

/*
 * xAPIC page offsets. A register shared with x2APIC mode sits at
 * (MSR - 0x800) * 16; APR, RRD, DFR and ICR_HI exist only here, SELF_IPI
 * only as an MSR. Only 32-bit accesses at 16-byte aligned offsets are
 * architectural.
 */
#define VLAPIC_XAPIC_PAGE_SIZE 0x1000U
#define VLAPIC_OFF_ID          0x020U
#define VLAPIC_OFF_VERSION     0x030U
#define VLAPIC_OFF_TPR         0x080U
#define VLAPIC_OFF_APR         0x090U
#define VLAPIC_OFF_PPR         0x0A0U
#define VLAPIC_OFF_EOI         0x0B0U
#define VLAPIC_OFF_RRD         0x0C0U
#define VLAPIC_OFF_LDR         0x0D0U
#define VLAPIC_OFF_DFR         0x0E0U
#define VLAPIC_OFF_SVR         0x0F0U
#define VLAPIC_OFF_ISR0        0x100U /* 8 registers, 16 bytes apart */
#define VLAPIC_OFF_TMR0        0x180U
#define VLAPIC_OFF_IRR0        0x200U
#define VLAPIC_OFF_ESR         0x280U
#define VLAPIC_OFF_LVT_CMCI    0x2F0U
#define VLAPIC_OFF_ICR_LO      0x300U
#define VLAPIC_OFF_ICR_HI      0x310U
#define VLAPIC_OFF_LVT_TIMER   0x320U
#define VLAPIC_OFF_LVT_THERMAL 0x330U
#define VLAPIC_OFF_LVT_PMC     0x340U
#define VLAPIC_OFF_LVT_LINT0   0x350U
#define VLAPIC_OFF_LVT_LINT1   0x360U
#define VLAPIC_OFF_LVT_ERROR   0x370U
#define VLAPIC_OFF_TIMER_INIT  0x380U
#define VLAPIC_OFF_TIMER_CUR   0x390U
#define VLAPIC_OFF_TIMER_DCR   0x3E0U

/* xAPIC destination format register: the model is in bits 31:28, 27:0 read as ones. */
#define VLAPIC_DFR_FLAT    0xFFFFFFFFU
#define VLAPIC_DFR_CLUSTER 0x0FFFFFFFU

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
	bool logical;          /* logical destination mode; each target's LDR/DFR decide */
	bool level_trigger;    /* ICR bit 15 */
	bool level_assert;     /* ICR bit 14 */
	/*
	 * x2APIC sender: ICR[63:32]. xAPIC sender: ICR_HI[31:24], 8 bits, so a
	 * physical broadcast arrives as 0xFF. Meaningless with a shorthand.
	 */
	uint32_t dest;
	uint32_t src_id; /* APIC id of the sender */
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
	uint32_t ldr; /* x2APIC: derived from the id; xAPIC: as written (bits 31:24) */
	uint32_t dfr; /* xAPIC only */
	uint32_t tpr;
	uint32_t ppr;
	uint32_t svr;
	uint32_t esr;         /* value latched by the last ESR write */
	uint32_t esr_pending; /* errors detected since then */
	uint32_t lvt[VLAPIC_LVT_COUNT];
	uint32_t isr[8];
	uint32_t tmr[8];
	uint32_t irr[8];
	uint32_t irr_words;     /* bit i: irr[i] is non-zero; checked before every VM entry */
	uint64_t icr;           /* xAPIC: ICR_HI in bits 63:32 */
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
/*
 * INIT: registers back to their reset values in the current mode (xAPIC: LDR
 * 0, DFR flat); APIC id and IA32_APIC_BASE kept.
 */
void vlapic_reset(struct vlapic *v);

/*
 * IA32_APIC_BASE, IA32_TSC_DEADLINE and 0x800-0x8FF. -EINVAL: the caller
 * injects #GP. IA32_APIC_BASE and IA32_TSC_DEADLINE work in every mode;
 * 0x800-0x8FF only in x2APIC mode. IA32_APIC_BASE writes follow SDM 10.12.5:
 * x2APIC -> xAPIC directly, EXTD without EN and reserved bits are refused,
 * and so is moving the base away from 0xFEE00000.
 */
bool vlapic_handles_msr(uint32_t msr);
int vlapic_msr_read(struct vlapic *v, uint32_t msr, uint64_t *val, uint64_t now_tsc);
int vlapic_msr_write(struct vlapic *v, uint32_t msr, uint64_t val, uint64_t now_tsc);

/* EN set, EXTD clear: the xAPIC page at VLAPIC_BASE_DEFAULT is decoded. */
bool vlapic_xapic_mode(const struct vlapic *v);
/*
 * An access to the xAPIC page; offset within the page. Guest mistakes are
 * never errors: outside xAPIC mode the page is not decoded (reads all ones,
 * writes dropped, as for a globally disabled APIC), and in xAPIC mode
 * anything but a 32-bit access at a 16-byte aligned offset, an unimplemented
 * or write-only register, reads 0, while writes to such places or to
 * read-only registers are dropped. -EINVAL only for caller bugs: offset
 * outside the page, NULL val.
 */
int vlapic_mmio_read(struct vlapic *v, uint64_t offset, unsigned size, uint64_t *val,
                     uint64_t now_tsc);
int vlapic_mmio_write(struct vlapic *v, uint64_t offset, unsigned size, uint64_t val,
                      uint64_t now_tsc);

/* No interrupt requested at all: the lock-free test every VM entry starts with. */
static inline bool vlapic_irr_empty(const struct vlapic *v)
{
	return !v->irr_words;
}

/* Fixed-mode interrupt for this LAPIC; level selects the TMR bit. */
void vlapic_accept_irq(struct vlapic *v, uint8_t vector, bool level);
/* Highest IRR vector whose priority class beats the PPR, or -1. */
int vlapic_pending_vector(const struct vlapic *v);
/* The vector was injected into the guest: IRR -> ISR. */
void vlapic_ack(struct vlapic *v, uint8_t vector);
/* The timer_arm hook fired. Early or stale calls are harmless. */
void vlapic_timer_expired(struct vlapic *v, uint64_t now_tsc);
/*
 * Does a destination select this LAPIC, in the LAPIC's current mode?
 * 0xFFFFFFFF is a broadcast in every mode. x2APIC: 32-bit physical id or
 * cluster-logical (bits 31:16 cluster, 15:0 member bitmap). xAPIC: 8-bit
 * destinations, 0xFF is a broadcast; logical uses LDR[31:24] with the DFR's
 * flat or cluster model. A disabled LAPIC matches nothing.
 */
bool vlapic_match_dest(const struct vlapic *v, uint32_t dest, bool logical);

#endif
