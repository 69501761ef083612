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
#define R(n) (8 * (n))

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
	movq R(1)(%rdi), %rcx
	movq R(2)(%rdi), %rdx
	movq R(3)(%rdi), %rbx
	movq R(5)(%rdi), %rbp
	movq R(6)(%rdi), %rsi
	movq R(8)(%rdi), %r8
	movq R(9)(%rdi), %r9
	movq R(10)(%rdi), %r10
	movq R(11)(%rdi), %r11
	movq R(12)(%rdi), %r12
	movq R(13)(%rdi), %r13
	movq R(14)(%rdi), %r14
	movq R(15)(%rdi), %r15
	movq R(7)(%rdi), %rdi

	vmload %rax
	vmrun %rax
	vmsave %rax

	pushq %rdi
	movq 8(%rsp), %rdi
	movq %rcx, R(1)(%rdi)
	movq %rdx, R(2)(%rdi)
	movq %rbx, R(3)(%rdi)
	movq %rbp, R(5)(%rdi)
	movq %rsi, R(6)(%rdi)
	movq %r8, R(8)(%rdi)
	movq %r9, R(9)(%rdi)
	movq %r10, R(10)(%rdi)
	movq %r11, R(11)(%rdi)
	movq %r12, R(12)(%rdi)
	movq %r13, R(13)(%rdi)
	movq %r14, R(14)(%rdi)
	movq %r15, R(15)(%rdi)
	popq %rcx
	movq %rcx, R(7)(%rdi)

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
