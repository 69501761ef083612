/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * 256 interrupt stubs, 16 bytes apart so idt.c can compute their addresses.
 * Each makes the frame uniform (dummy error code where the CPU pushes none),
 * pushes its vector and joins isr_common, which saves the GPRs and calls
 * isr_dispatch(struct isr_frame *). The handler may rewrite the saved IP.
 */

	.text
	.globl	isr_stubs
	.balign	16
isr_stubs:
	.set	vec, 0
	.rept	256
	.balign	16
	/* Vectors for which the CPU pushes an error code itself. */
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	push	$0
	.endif
	push	$vec
	jmp	isr_common
	.set	vec, vec + 1
	.endr

#ifndef __x86_64__
isr_common:
	pushl	%eax
	pushl	%ecx
	pushl	%edx
	pushl	%ebx
	pushl	%ebp
	pushl	%esi
	pushl	%edi
	cld
	movl	%esp, %eax
	pushl	%eax
	call	isr_dispatch
	addl	$4, %esp
	popl	%edi
	popl	%esi
	popl	%ebp
	popl	%ebx
	popl	%edx
	popl	%ecx
	popl	%eax
	addl	$8, %esp		/* vector and error code */
	iret
#else
isr_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rbx
	pushq	%rbp
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	/* The SysV ABI wants a 16-byte aligned stack at the call. */
	movq	%rsp, %rbx
	andq	$-16, %rsp
	call	isr_dispatch
	movq	%rbx, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rbp
	popq	%rbx
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq
#endif
