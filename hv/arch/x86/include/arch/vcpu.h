/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ARCH_X86_VCPU_H
#define ARCH_X86_VCPU_H

#include <arch/decode_cache.h>
#include <arch/instr_emul.h>
#include <arch/vlapic.h>
#include <hv/spinlock.h>
#include <hv/timer.h>
#include <hv/types.h>

/* Where and how a vCPU starts (reset, or a start-up IPI for APs). */
struct x86_entry_state {
	uint64_t rip, rsi, rbx;
	bool all_gprs;    /* HC_SET_VCPU_REGS: gpr[] and rflags replace the reset values */
	uint64_t gpr[16]; /* x86_regs order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15) */
	uint64_t rflags;
	bool protected_mode;  /* 32-bit flat protected mode; else real mode at cs:ip */
	bool long_mode;       /* with protected_mode: 64-bit mode, paging from cr3/cr4 */
	uint64_t cr3, cr4;    /* long mode only */
	uint16_t cs_selector; /* protected mode: flat code selector; real mode: CS */
	uint16_t ds_selector;
	uint64_t cs_base;  /* real mode only */
	uint64_t gdt_base; /* protected mode: GDTR the guest starts with */
	uint16_t gdt_limit;
};

/* Work found under the vLAPIC lock, done after dropping it (lock ordering). */
struct lapic_deferred {
	bool kick;
	bool ipi_valid;
	struct vlapic_ipi ipi;
	uint8_t nr_eoi;
	uint8_t eoi[4];
};

/* The exit whose access went to the Service VM, to finish it when the answer comes. */
struct x86_io_wait {
	bool mmio;
	uint16_t port;
	uint8_t size;
	bool in;
	uint64_t next_rip;
	uint64_t gpa;
};

struct vcpu_arch {
	struct x86_regs regs; /* all GPRs, RIP and RFLAGS, owned by the x86 layer */
	struct spinlock lapic_lock;
	struct vlapic vlapic;
	struct timer lapic_timer;
	struct lapic_deferred deferred;
	uint64_t mtrr_def_type;
	void *vendor;        /* backend state (SVM: struct svm_vcpu) */
	uint8_t *xsave_area; /* extended FPU state while not loaded */
	uint64_t xcr0;
	bool fpu_saved; /* xsave_area holds state (FXSAVE path; XSAVE inits from zeroes) */
	bool wait_for_sipi;
	/* Work for the next entry: an exit fast path that sees any of it goes the generic way. */
	union {
		struct {
			bool nmi_pending;
			bool irq_window; /* an interrupt-window exit is requested */
			/*
			 * The backend has state to write before the next entry
			 * (VMX: controls, an event, the interruptibility); set
			 * and cleared by the backend.
			 */
			bool vendor_work;
			uint8_t unused; /* stays 0 */
		};
		uint32_t entry_flags; /* all of them, tested at once */
	};
	struct x86_entry_state entry;
	struct x86_io_wait io_wait;
	struct x86_decode_cache dcache;
};

#endif
