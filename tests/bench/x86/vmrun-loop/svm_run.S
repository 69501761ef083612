/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * void svm_run(uint64_t vmcb_pa, struct guest_gprs *g)
 *
 * VMRUN loads and saves only RAX, RSP and RIP of the guest (in the VMCB);
 * every other GPR is live guest state across the world switch, so this stub
 * swaps them with *g. On #VMEXIT the CPU restores the host RAX and RSP from
 * the host save area, so the pointer to g is found on the stack.
 * struct guest_gprs: rbx rcx rdx rsi rdi rbp r8 .. r15 (8 bytes each).
 */
	.text
	.globl	svm_run
svm_run:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rsi

	movq	%rdi, %rax
	movq	0x00(%rsi), %rbx
	movq	0x08(%rsi), %rcx
	movq	0x10(%rsi), %rdx
	movq	0x20(%rsi), %rdi
	movq	0x28(%rsi), %rbp
	movq	0x30(%rsi), %r8
	movq	0x38(%rsi), %r9
	movq	0x40(%rsi), %r10
	movq	0x48(%rsi), %r11
	movq	0x50(%rsi), %r12
	movq	0x58(%rsi), %r13
	movq	0x60(%rsi), %r14
	movq	0x68(%rsi), %r15
	movq	0x18(%rsi), %rsi

	vmrun

	pushq	%rsi
	movq	8(%rsp), %rsi
	movq	%rbx, 0x00(%rsi)
	movq	%rcx, 0x08(%rsi)
	movq	%rdx, 0x10(%rsi)
	movq	%rdi, 0x20(%rsi)
	movq	%rbp, 0x28(%rsi)
	movq	%r8, 0x30(%rsi)
	movq	%r9, 0x38(%rsi)
	movq	%r10, 0x40(%rsi)
	movq	%r11, 0x48(%rsi)
	movq	%r12, 0x50(%rsi)
	movq	%r13, 0x58(%rsi)
	movq	%r14, 0x60(%rsi)
	movq	%r15, 0x68(%rsi)
	popq	%rax
	movq	%rax, 0x18(%rsi)
	/* The guest may have left DF set; the C code expects it clear. */
	cld

	popq	%rsi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
