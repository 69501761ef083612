/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bare-metal VS-mode test guest entry: a0 = hart id, a1 = the device tree
 * from the hypervisor. Harts started through SBI HSM enter at
 * secondary_start with a1 = the top of their stack (the opaque value).
 * trap_entry saves every register in a struct gframe and calls guest_trap.
 */
#define FRAME (35 * 8)

	.section .text.start, "ax"
	.globl _start
_start:
	la	sp, stack_top
	call	guest_main
1:	wfi
	j	1b

	.text
	.globl secondary_start
secondary_start:
	mv	sp, a1
	call	secondary_main
2:	wfi
	j	2b

	.balign 4
	.globl trap_entry
trap_entry:
	addi	sp, sp, -FRAME
	.irp n, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd	x\n, \n*8(sp)
	.endr
	addi	t0, sp, FRAME
	sd	t0, 2*8(sp)
	csrr	t0, sepc
	sd	t0, 32*8(sp)
	csrr	t0, scause
	sd	t0, 33*8(sp)
	csrr	t0, stval
	sd	t0, 34*8(sp)
	mv	a0, sp
	call	guest_trap
	ld	t0, 32*8(sp)
	csrw	sepc, t0
	.irp n, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	ld	x\n, \n*8(sp)
	.endr
	addi	sp, sp, FRAME
	sret

	.bss
	.balign 16
	.space 8192
stack_top:
