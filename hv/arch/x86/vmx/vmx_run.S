/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * int vmx_enter(struct x86_regs *regs, int launched)
 *
 * VMX switches RSP, RIP and RFLAGS through the VMCS and no other GPR: all
 * fifteen others are swapped here. HOST_RSP is written just before entry so
 * the exit lands on this frame; HOST_RIP points at vmx_exit_entry.
 * Returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME itself failed (the
 * caller reads the VM-instruction error field).
 */
#define R(n) (8 * (n))
#define VMCS_HOST_RSP 0x6C14

	.section .text.hot, "ax"
	.globl vmx_enter
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi /* regs */

	movq $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax
	jbe 2f

	/* MOV leaves the flags alone: test launched now, branch after the loads. */
	testl %esi, %esi
	movq R(0)(%rdi), %rax
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
	jnz 1f
	vmlaunch
	jmp 2f
1:
	vmresume
2:
	/* VMfail: guest values may sit in caller-saved registers; nothing to keep. */
	popq %rdi
	movl $1, %eax
	jmp 3f

	.globl vmx_exit_entry
vmx_exit_entry:
	pushq %rdi
	movq 8(%rsp), %rdi
	movq %rax, R(0)(%rdi)
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
	xorl %eax, %eax
3:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.section .note.GNU-stack, "", @progbits
