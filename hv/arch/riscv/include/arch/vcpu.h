/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ARCH_RISCV_VCPU_H
#define ARCH_RISCV_VCPU_H

#include <hv/timer.h>
#include <hv/types.h>

/*
 * What the guest-entry code (entry.S) saves and restores. The offsets are
 * fixed: entry.S uses them, and vcpu.c checks them with static asserts.
 */
struct rv_guest_ctx {
	uint64_t x[32]; /* guest x1..x31 (x[0] unused) */
	uint64_t sepc;
	uint64_t sstatus; /* while vcpu_arch.status_live, the CSRs hold the current values */
	uint64_t hstatus;
	uint64_t host[16]; /* ra sp gp tp s0..s11 of the code that entered the guest */
};

#define RV_CTX_SEPC    (32 * 8)
#define RV_CTX_SSTATUS (33 * 8)
#define RV_CTX_HSTATUS (34 * 8)
#define RV_CTX_HOST    (35 * 8)

/* Why the last exit happened, read right after it. */
struct rv_exit {
	uint64_t scause;
	uint64_t stval;
	uint64_t htval;
	uint64_t htinst;
};

/* The guest's F/D registers and fcsr while another vCPU's are in the hart (fp.S). */
struct rv_fp_state {
	uint64_t f[32];
	uint64_t fcsr;
};

/* Virtual-supervisor CSRs kept while the vCPU is not loaded. */
struct rv_vs_csrs {
	uint64_t vsstatus, vsie, vstvec, vsscratch, vsepc, vscause, vstval, vsatp, hvip;
	uint64_t vstimecmp;
};

/* hvip bits: VS software, timer and external interrupts. */
#define HVIP_VSSIP BIT(2)
#define HVIP_VSTIP BIT(6)
#define HVIP_VSEIP BIT(10)

struct vcpu_arch {
	struct rv_guest_ctx ctx;
	struct rv_vs_csrs vs;
	struct rv_fp_state fp;
	struct rv_exit exit;
	uint64_t entry_pc; /* where the vCPU starts after reset */
	uint64_t entry_a1; /* a1 at reset: the guest-physical address of its device tree */
	/*
	 * Set by other pCPUs, applied by the vCPU's own pCPU before its next
	 * entry: irq_level holds the VSTIP/VSEIP lines (SBI timer without Sstc,
	 * vPLIC); posted says what to apply (RV_POST_*, arch/guest.h), so an
	 * entry with nothing posted costs one load.
	 */
	volatile uint64_t irq_level;
	volatile uint32_t posted;
	uint64_t start_pc, start_opaque;
	/*
	 * Set at each exit: sstatus and hstatus still hold what the exit left
	 * (the guest's privilege in SPP/SPVP, SPV set), which is what the next
	 * entry needs, unless a trap taken in HS-mode since then (host_traps
	 * moved past live_host_traps) cleared SPP and SPV. ctx.sstatus and
	 * ctx.hstatus are stale meanwhile: rv_vcpu_sync_status() brings them up
	 * to date before anyone reads or changes them.
	 */
	bool status_live;
	uint64_t live_host_traps;
	bool stop_self;         /* SBI HSM hart_stop: go offline after this exit */
	struct timer vtimer;    /* SBI TIME without Sstc: raises VSTIP at the deadline */
	uint64_t vtimer_paused; /* vtimer's deadline when the vCPU stopped (0: not armed) */
	struct timer wfi_timer; /* halted in WFI with Sstc: wakes it at vstimecmp (wfi.c) */
	volatile bool wfi_wake; /* wfi_timer fired since the vCPU halted */
	unsigned nr_bad_logged; /* rate limit for guest-error logs */
};

#endif
