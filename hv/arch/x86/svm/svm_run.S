/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * void svm_vmrun(struct x86_regs *regs, paddr_t vmcb, paddr_t host_vmcb)
 *
 * VMRUN switches only RAX, RSP, RIP and RFLAGS (through the VMCB); every
 * other GPR is swapped here. VMLOAD/VMSAVE move the guest's FS, GS, TR,
 * LDTR and syscall MSRs, and the host's are reloaded before we return.
 * The caller has cleared GIF; host RFLAGS.IF is set so a physical
 * interrupt makes the guest exit (INTR intercept).
 */
#include "../gpr_swap.inc"

	.section .text.hot, "ax"
	.globl svm_vmrun
svm_vmrun:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdx /* host VMCB */
	pushq %rdi /* regs */

	movq %rsi, %rax
	LOAD_GPRS %rdi
	movq GPR(7)(%rdi), %rdi

	vmload %rax
	vmrun %rax
	vmsave %rax

	pushq %rdi
	movq 8(%rsp), %rdi
	STORE_GPRS %rdi
	popq %rcx
	movq %rcx, GPR(7)(%rdi)

	popq %rdi
	popq %rax
	vmload %rax

	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.section .note.GNU-stack, "", @progbits
