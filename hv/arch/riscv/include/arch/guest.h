/* SPDX-License-Identifier: BSD-3-Clause */
/* Pieces of the RISC-V vCPU shared between its files (exits, MMIO, SBI, interrupts). */
#ifndef ARCH_RISCV_GUEST_H
#define ARCH_RISCV_GUEST_H

#include <arch/vcpu.h>
#include <hv/types.h>

struct vcpu;
struct vm;

/* What other pCPUs post to a vCPU (vcpu_arch.posted). */
#define RV_POST_IRQ   BIT(0) /* irq_level changed */
#define RV_POST_IPI   BIT(1) /* raise VSSIP (the guest clears sip.SSIP itself) */
#define RV_FENCE_I    BIT(2) /* remote fence.i */
#define RV_FENCE_VMA  BIT(3) /* remote sfence.vma: hfence.vvma of the VM's VMID */
#define RV_POST_START BIT(4) /* SBI HSM hart_start: reset to start_pc/start_opaque */

/*
 * Deliver exception cause to the guest's own trap vector, as if the
 * hardware had: vsepc/vscause/vstval, vsstatus.SPP/SPIE/SIE, pc = vstvec.
 * The vCPU must be loaded on this hart (it is while its exit is handled).
 */
void rv_inject_exception(struct vcpu *v, uint64_t cause, uint64_t tval);
/*
 * Make v's ctx.sstatus and ctx.hstatus current (see vcpu_arch.status_live)
 * before reading or changing them; v must be loaded on this hart.
 */
void rv_vcpu_sync_status(struct vcpu *v);
/* Log a guest error (a few times per vCPU) and power its VM off. */
void rv_guest_error(struct vcpu *v, const char *what);
/* Log a guest error a few times per vCPU; the caller decides what happens. */
void rv_guest_warn(struct vcpu *v, const char *what);
/* A load/store/fetch guest-page fault outside RAM: MMIO emulation or an exception. */
void rv_guest_page_fault(struct vcpu *v);

/* Raise or lower a VS interrupt line (HVIP_VSTIP, HVIP_VSEIP) of v, from any pCPU. */
void rv_vcpu_set_irq(struct vcpu *v, uint64_t hvip_bit, bool level);
/* SBI HSM hart_stop, after the call: v goes offline (the last hart powers the VM off). */
void rv_vcpu_stop_self(struct vcpu *v);
/* Post a VSSIP (an SBI IPI) to v, from any pCPU. */
void rv_vcpu_send_ipi(struct vcpu *v);
/* Post work (RV_POST_*) to v and kick it, from any pCPU. */
void rv_vcpu_post(struct vcpu *v, uint32_t what);
/* Post fences (RV_FENCE_*) to v and wait until v cannot run guest code without them. */
void rv_vcpu_remote_fence(struct vcpu *v, uint32_t fences);
/* SBI TIME for v: a deadline in time-CSR ticks. */
void rv_vcpu_set_timer(struct vcpu *v, uint64_t deadline);

/* The WFI instruction; hstatus.VTW makes it a virtual-instruction exit. */
#define RV_INSN_WFI 0x10500073UL

/* Set up and cancel v's WFI wake-up timer (wfi.c). */
void rv_wfi_init(struct vcpu *v);
void rv_wfi_cancel(struct vcpu *v);
/*
 * A virtual-instruction exit: if it was WFI, step over it and halt v until
 * one of its enabled interrupts can be pending (true); false for anything else.
 */
bool rv_wfi_exit(struct vcpu *v);
/* v resumes from a pause: one halted in WFI completes it. */
void rv_wfi_resume(struct vcpu *v);
/* The WFI timer fired while v slept. */
bool rv_wfi_woken(struct vcpu *v);

/* The halfword (HLVX.HU) or word (HLVX.WU) at guest-virtual gva read as a fetch, or -1. */
long rv_hlvx_hu(uint64_t gva);
long rv_hlvx_wu(uint64_t gva);

/* Move the hart's F/D registers and fcsr to or from s (fp.S). */
void rv_fp_save(struct rv_fp_state *s);
void rv_fp_load(const struct rv_fp_state *s);

/* Build the VM's device tree at guest-physical gpa (at most max bytes). */
int rv_vm_build_dt(struct vm *vm, uint64_t gpa, uint64_t max, uint64_t initrd_gpa,
                   uint64_t initrd_size);

#endif
