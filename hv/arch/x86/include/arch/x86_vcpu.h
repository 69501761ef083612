/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vendor-neutral x86 vCPU layer and its two backends (SVM now, VMX
 * later). A backend enters the guest and reports each exit in this neutral
 * form; the x86 layer (x86_exit.c) emulates and asks the backend to inject.
 */
#ifndef ARCH_X86_X86_VCPU_H
#define ARCH_X86_X86_VCPU_H

#include <arch/instr_emul.h>
#include <arch/vcpu.h>
#include <hv/types.h>

struct vcpu;
struct pcpu;
struct pgtable_fmt;
struct vm;

enum x86_exit_reason {
	X86_EXIT_NONE, /* handled inside the backend (e.g. host interrupt) */
	X86_EXIT_IO,
	X86_EXIT_MMIO, /* stage-2 fault outside RAM */
	X86_EXIT_CPUID,
	X86_EXIT_RDMSR,
	X86_EXIT_WRMSR,
	X86_EXIT_HLT,
	X86_EXIT_HYPERCALL,
	X86_EXIT_XSETBV,
	X86_EXIT_IRQ_WINDOW, /* the guest can now take an interrupt */
	X86_EXIT_TRIPLE_FAULT,
	X86_EXIT_UD,      /* #UD intercepted, e.g. the other vendor's hypercall insn */
	X86_EXIT_INVALID, /* the backend could not enter the guest: state is broken */
	X86_EXIT_UNKNOWN,
};

struct x86_exit {
	enum x86_exit_reason reason;
	uint64_t raw;     /* vendor exit code, for logs */
	uint8_t insn_len; /* length of the exiting instruction when known, else 0 */
	union {
		struct {
			uint16_t port;
			uint8_t size;
			bool in, string, rep;
			uint64_t next_rip;
		} io;
		struct {
			uint64_t gpa;
			bool write, fetch;
		} mmio;
	};
};

struct x86_sregs {
	uint64_t cr0, cr3, cr4, efer;
	uint64_t cs_base;
	uint8_t cpl;
	bool cs_l, cs_db;
};

struct x86_vendor_ops {
	const char *name;
	const struct pgtable_fmt *stage2_fmt; /* NPT or EPT entries for vm->stage2 */
	int (*pcpu_enable)(struct pcpu *p);
	int (*vcpu_init)(struct vcpu *v);
	void (*vcpu_reset)(struct vcpu *v, const struct x86_entry_state *s);
	/* Enter the guest with v->arch.regs; on return regs are current and *exit is filled. */
	void (*run)(struct vcpu *v, struct x86_exit *exit);
	void (*get_sregs)(struct vcpu *v, struct x86_sregs *s);
	uint64_t (*get_efer)(struct vcpu *v);
	void (*set_efer)(struct vcpu *v, uint64_t efer); /* architectural bits only */
	uint64_t (*get_pat)(struct vcpu *v);
	void (*set_pat)(struct vcpu *v, uint64_t pat); /* validated by the caller */
	bool (*irq_allowed)(struct vcpu *v);
	void (*inject_irq)(struct vcpu *v, uint8_t vector);
	void (*inject_nmi)(struct vcpu *v);
	void (*inject_exception)(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
	bool (*event_pending)(struct vcpu *v); /* an injection is already queued */
	void (*request_irq_window)(struct vcpu *v, bool on);
	/* On v's pCPU: drop cached stage-2 translations before the next entry. */
	void (*flush_stage2)(struct vcpu *v);
};

extern const struct x86_vendor_ops *x86_vendor;
extern const struct x86_vendor_ops svm_ops;
extern const struct x86_vendor_ops vmx_ops;

/* Handle one exit; called by vcpu_arch_run_once. */
void x86_handle_exit(struct vcpu *v, struct x86_exit *exit);
struct acrn_regs;
/* HC_SET_VCPU_REGS' register file to an entry state; -EINVAL for one we do not start from. */
int x86_entry_from_regs(const struct acrn_regs *r, struct x86_entry_state *out);
/* The Service VM answered v's ioreq: finish the instruction (exit.c). */
void x86_ioreq_complete(struct vcpu *v, uint64_t value);

/* Emulation helpers of the x86 layer. */
void x86_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4]);
int x86_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int x86_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);
void x86_inject_gp(struct vcpu *v);
void x86_inject_ud(struct vcpu *v);

/* vLAPIC access with the lock held and deferred work done after it. */
void x86_lapic_lock(struct vcpu *v);
void x86_lapic_unlock(struct vcpu *v);
/* Deliver an interrupt message to the VM's vLAPICs (IPIs, vIOAPIC). */
void x86_deliver_msi(struct vm *vm, uint32_t dest, bool logical, uint8_t vector, uint8_t mode,
                     bool level, const struct vcpu *self);

#endif
