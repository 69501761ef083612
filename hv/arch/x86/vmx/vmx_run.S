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
#include "../gpr_swap.inc"
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
	movq GPR(0)(%rdi), %rax
	LOAD_GPRS %rdi
	movq GPR(7)(%rdi), %rdi
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
	movq %rax, GPR(0)(%rdi)
	STORE_GPRS %rdi
	popq %rcx
	movq %rcx, GPR(7)(%rdi)
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
