/* SPDX-License-Identifier: BSD-3-Clause */
/* Interrupt and exception entry: build a struct trap_frame and call x86_trap(). */

	.macro TRAP_NOERR vec
	.globl trap_\vec
trap_\vec:
	pushq $0
	pushq $\vec
	jmp trap_common
	.endm

	.macro TRAP_ERR vec
	.globl trap_\vec
trap_\vec:
	pushq $\vec
	jmp trap_common
	.endm

	.text
	TRAP_NOERR 0
	TRAP_NOERR 1
	TRAP_NOERR 2
	TRAP_NOERR 3
	TRAP_NOERR 4
	TRAP_NOERR 5
	TRAP_NOERR 6
	TRAP_NOERR 7
	TRAP_ERR 8
	TRAP_NOERR 9
	TRAP_ERR 10
	TRAP_ERR 11
	TRAP_ERR 12
	TRAP_ERR 13
	TRAP_ERR 14
	TRAP_NOERR 15
	TRAP_NOERR 16
	TRAP_ERR 17
	TRAP_NOERR 18
	TRAP_NOERR 19
	TRAP_NOERR 20
	TRAP_ERR 21
	TRAP_NOERR 22
	TRAP_NOERR 23
	TRAP_NOERR 24
	TRAP_NOERR 25
	TRAP_NOERR 26
	TRAP_NOERR 27
	TRAP_NOERR 28
	TRAP_ERR 29
	TRAP_ERR 30
	TRAP_NOERR 31
	TRAP_NOERR 240 /* timer */
	TRAP_NOERR 241 /* kick IPI */
	TRAP_NOERR 242 /* shutdown IPI */
	TRAP_NOERR 248 /* board bridge doorbell */
	TRAP_NOERR 255 /* spurious */

/* Stray legacy-PIC vectors (spurious IRQ 7/15 even when masked): ignore. */
	.globl trap_ignore
trap_ignore:
	iretq

trap_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rbx
	pushq %rbp
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	/* Align the stack for C; the frame pointer keeps the original. */
	movq %rsp, %rbx
	andq $-16, %rsp
	call x86_trap
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rbp
	popq %rbx
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp /* vector and error code */
	iretq

	.section .rodata
	.globl trap_stubs
trap_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad trap_\n
	.endr
	.globl trap_stub_timer, trap_stub_kick, trap_stub_shutdown, trap_stub_spurious
	.globl trap_stub_bridge
trap_stub_timer:
	.quad trap_240
trap_stub_kick:
	.quad trap_241
trap_stub_shutdown:
	.quad trap_242
trap_stub_spurious:
	.quad trap_255
trap_stub_bridge:
	.quad trap_248

	.section .note.GNU-stack, "", @progbits
