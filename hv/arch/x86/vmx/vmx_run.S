/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * int vmx_enter(struct x86_regs *regs, int launched, const bool *mmio_callee_saved)
 *
 * VMX switches RSP, RIP and RFLAGS through the VMCS and no other GPR: all
 * fifteen others are swapped here. HOST_RSP is written just before entry so
 * the exit lands on this frame; HOST_RIP points at vmx_exit_entry.
 *
 * After an exit the fast path (fastpath.c) gets the first look at port
 * I/O and EPT violations. When it handled the exit completely, the guest is
 * entered again from here: the frame and HOST_RSP are still as they were,
 * and the callee-saved GPRs, which the C code keeps, still hold the guest's
 * values unless the fast path wrote one (it says so). So an exit stores the
 * caller-saved GPRs, and the callee-saved ones only when something may need
 * them in memory: the generic path, and an MMIO exit when the decode
 * cache's MOV names one (*mmio_callee_saved, x86_dcache_mov.callee_saved).
 * The fast path checks that the cached MOV is the guest's instruction
 * before it uses it, and touches no callee-saved slot when it is not.
 *
 * The frame, from HOST_RSP up: a scratch slot (the guest's RDI while the
 * stub needs a register), regs, mmio_callee_saved, the callee-saved GPRs of
 * the caller, the return address. Nine slots: calls from here see the ABI's
 * 16-byte alignment.
 *
 * Returns VMX_ENTER_EXIT (0) after a VM exit for vmx_run to decode,
 * VMX_ENTER_FAILED (1) if VMLAUNCH/VMRESUME itself failed (the caller reads
 * the VM-instruction error field), VMX_ENTER_HANDLED (2) after an exit the
 * fast path handled but whose next entry needs the generic path.
 */
#include "../gpr_swap.inc"
#define VMCS_HOST_RSP    0x6C14
#define VMCS_EXIT_REASON 0x4402
#define EXIT_IO          30
#define EXIT_EPT_VIOL    48

	.macro STORE_CALLEE_SAVED base
	movq %rbx, GPR(3)(\base)
	movq %rbp, GPR(5)(\base)
	movq %r12, GPR(12)(\base)
	movq %r13, GPR(13)(\base)
	movq %r14, GPR(14)(\base)
	movq %r15, GPR(15)(\base)
	.endm

	.macro LOAD_CALLEE_SAVED base
	movq GPR(3)(\base), %rbx
	movq GPR(5)(\base), %rbp
	movq GPR(12)(\base), %r12
	movq GPR(13)(\base), %r13
	movq GPR(14)(\base), %r14
	movq GPR(15)(\base), %r15
	.endm

/* The fast path's results besides VMX_ENTER_EXIT and VMX_ENTER_HANDLED. */
#define FAST_RESUME     3 /* enter again; callee-saved registers unchanged */
#define FAST_RESUME_ALL 4 /* enter again; a callee-saved register was written */

	/* With the fast path (__exit_path): one page for an exit it handles. */
	.section .text.exit, "ax"
	.globl vmx_enter
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdx /* mmio_callee_saved */
	pushq %rdi /* regs */
	subq $8, %rsp /* scratch */

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
	movl $1, %eax
	jmp 4f

	.globl vmx_exit_entry
vmx_exit_entry:
	/* The caller-saved GPRs first: the callee-saved ones survive a C call. */
	movq %rdi, (%rsp)
	movq 8(%rsp), %rdi
	movq %rax, GPR(0)(%rdi)
	movq %rcx, GPR(1)(%rdi)
	movq %rdx, GPR(2)(%rdi)
	movq %rsi, GPR(6)(%rdi)
	movq %r8, GPR(8)(%rdi)
	movq %r9, GPR(9)(%rdi)
	movq %r10, GPR(10)(%rdi)
	movq %r11, GPR(11)(%rdi)
	movq (%rsp), %rcx
	movq %rcx, GPR(7)(%rdi)
	movl $VMCS_EXIT_REASON, %eax
	vmread %rax, %rax
	cmpl $EXIT_IO, %eax
	jne 6f
	/* Port I/O uses RAX only. */
	call vmx_fast_io
	jmp 7f
6:
	cmpl $EXIT_EPT_VIOL, %eax
	jne 8f
	movq 16(%rsp), %rcx
	testb $1, (%rcx)
	jnz 9f
	/* The cached MOV uses a caller-saved GPR or none: it may stay that way. */
	call vmx_fast_mmio
7:
	movq 8(%rsp), %rdi
	cmpl $FAST_RESUME, %eax
	je 5f
	STORE_CALLEE_SAVED %rdi
	jmp 4f
8:
	STORE_CALLEE_SAVED %rdi
	xorl %eax, %eax /* VMX_ENTER_EXIT */
	jmp 4f
9:
	STORE_CALLEE_SAVED %rdi
	call vmx_fast_mmio
	movq 8(%rsp), %rdi
	cmpl $FAST_RESUME, %eax
	jb 4f
	je 5f
	LOAD_CALLEE_SAVED %rdi
5:
	movq GPR(0)(%rdi), %rax
	movq GPR(1)(%rdi), %rcx
	movq GPR(2)(%rdi), %rdx
	movq GPR(6)(%rdi), %rsi
	movq GPR(8)(%rdi), %r8
	movq GPR(9)(%rdi), %r9
	movq GPR(10)(%rdi), %r10
	movq GPR(11)(%rdi), %r11
	movq GPR(7)(%rdi), %rdi
	vmresume
	jmp 2b
4:
	/* VMX_ENTER_*, already in EAX: drop scratch, regs and mmio_callee_saved. */
	addq $24, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.section .note.GNU-stack, "", @progbits
