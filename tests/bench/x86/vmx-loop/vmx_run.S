/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * int vmx_run(struct guest_gprs *g, int launched)
 *
 * VMX switches only RSP, RIP and RFLAGS of the guest (through the VMCS), so
 * all fifteen other GPRs are swapped with *g here. HOST_RSP is written right
 * before entry, so the exit lands on this frame at vmx_exit (HOST_RIP).
 * Returns 0 after a VM exit, 1 when VMLAUNCH/VMRESUME failed.
 * struct guest_gprs: rax rcx rdx rbx rbp rsi rdi r8 .. r15 (8 bytes each).
 */
#define VMCS_HOST_RSP 0x6c14

	.text
	.globl	vmx_run
vmx_run:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi

	movq	$VMCS_HOST_RSP, %rax
	vmwrite	%rsp, %rax
	jbe	2f

	testl	%esi, %esi		/* MOVs keep the flags for the branch below */
	movq	0x00(%rdi), %rax
	movq	0x08(%rdi), %rcx
	movq	0x10(%rdi), %rdx
	movq	0x18(%rdi), %rbx
	movq	0x20(%rdi), %rbp
	movq	0x28(%rdi), %rsi
	movq	0x38(%rdi), %r8
	movq	0x40(%rdi), %r9
	movq	0x48(%rdi), %r10
	movq	0x50(%rdi), %r11
	movq	0x58(%rdi), %r12
	movq	0x60(%rdi), %r13
	movq	0x68(%rdi), %r14
	movq	0x70(%rdi), %r15
	movq	0x30(%rdi), %rdi
	jnz	1f
	vmlaunch
	jmp	2f
1:	vmresume
2:	popq	%rdi
	movl	$1, %eax
	jmp	3f

	.globl	vmx_exit
vmx_exit:
	pushq	%rdi
	movq	8(%rsp), %rdi
	movq	%rax, 0x00(%rdi)
	movq	%rcx, 0x08(%rdi)
	movq	%rdx, 0x10(%rdi)
	movq	%rbx, 0x18(%rdi)
	movq	%rbp, 0x20(%rdi)
	movq	%rsi, 0x28(%rdi)
	movq	%r8, 0x38(%rdi)
	movq	%r9, 0x40(%rdi)
	movq	%r10, 0x48(%rdi)
	movq	%r11, 0x50(%rdi)
	movq	%r12, 0x58(%rdi)
	movq	%r13, 0x60(%rdi)
	movq	%r14, 0x68(%rdi)
	movq	%r15, 0x70(%rdi)
	popq	%rax
	movq	%rax, 0x30(%rdi)
	popq	%rdi
	xorl	%eax, %eax
	/* The guest may have left DF set; the C code expects it clear. */
	cld
3:	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
