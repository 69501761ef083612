/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Entry points: the boot hart (OpenSBI jumps to 0x80200000 in HS-mode with
 * a0 = hart id, a1 = device tree), secondary harts started through SBI HSM
 * (a0 = hart id, a1 = opaque: a struct rv_hart_start), the trap vector, and
 * guest entry/exit.
 *
 * sscratch is 0 while the hart runs the hypervisor and points at the vCPU's
 * struct rv_guest_ctx while it runs a guest, so the vector knows where a
 * trap came from without touching guest registers first.
 */
#define CTX_SEPC    (32 * 8)
#define CTX_SSTATUS (33 * 8)
#define CTX_HSTATUS (34 * 8)
#define CTX_HOST    (35 * 8)
#define FRAME_SIZE  (36 * 8)

	.option norelax

	.section .text.entry, "ax"
	.globl _start
_start:
	csrw	sie, zero
	csrw	sscratch, zero
	la	sp, rv_boot_stack_top
	la	t0, hv_bss_start
	la	t1, hv_bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	la	t0, rv_trap_vector
	csrw	stvec, t0
	mv	tp, zero
	mv	s0, zero
	call	rv_main
3:	wfi
	j	3b

	.globl rv_secondary_start
rv_secondary_start:
	csrw	sie, zero
	csrw	sscratch, zero
	ld	sp, 0(a1)
	ld	tp, 8(a1)
	la	t0, rv_trap_vector
	csrw	stvec, t0
	mv	s0, zero
	mv	a0, tp
	call	rv_secondary_main
4:	wfi
	j	4b

	.text
	.balign 4
	.globl rv_trap_vector
rv_trap_vector:
	csrrw	sp, sscratch, sp
	bnez	sp, guest_trap
	/* From HS: undo the swap, build a frame on the current stack. */
	csrrw	sp, sscratch, sp
	addi	sp, sp, -FRAME_SIZE
	sd	x1, 1*8(sp)
	sd	x3, 3*8(sp)
	sd	x4, 4*8(sp)
	sd	x5, 5*8(sp)
	sd	x6, 6*8(sp)
	sd	x7, 7*8(sp)
	sd	x8, 8*8(sp)
	sd	x9, 9*8(sp)
	sd	x10, 10*8(sp)
	sd	x11, 11*8(sp)
	sd	x12, 12*8(sp)
	sd	x13, 13*8(sp)
	sd	x14, 14*8(sp)
	sd	x15, 15*8(sp)
	sd	x16, 16*8(sp)
	sd	x17, 17*8(sp)
	sd	x18, 18*8(sp)
	sd	x19, 19*8(sp)
	sd	x20, 20*8(sp)
	sd	x21, 21*8(sp)
	sd	x22, 22*8(sp)
	sd	x23, 23*8(sp)
	sd	x24, 24*8(sp)
	sd	x25, 25*8(sp)
	sd	x26, 26*8(sp)
	sd	x27, 27*8(sp)
	sd	x28, 28*8(sp)
	sd	x29, 29*8(sp)
	sd	x30, 30*8(sp)
	sd	x31, 31*8(sp)
	addi	t0, sp, FRAME_SIZE
	sd	t0, 2*8(sp)
	csrr	t0, sepc
	sd	t0, 32*8(sp)
	csrr	t0, sstatus
	sd	t0, 33*8(sp)
	csrr	t0, scause
	sd	t0, 34*8(sp)
	csrr	t0, stval
	sd	t0, 35*8(sp)
	mv	a0, sp
	call	rv_trap
	ld	t0, 32*8(sp)
	csrw	sepc, t0
	ld	t0, 33*8(sp)
	csrw	sstatus, t0
	ld	x1, 1*8(sp)
	ld	x3, 3*8(sp)
	ld	x4, 4*8(sp)
	ld	x5, 5*8(sp)
	ld	x6, 6*8(sp)
	ld	x7, 7*8(sp)
	ld	x8, 8*8(sp)
	ld	x9, 9*8(sp)
	ld	x10, 10*8(sp)
	ld	x11, 11*8(sp)
	ld	x12, 12*8(sp)
	ld	x13, 13*8(sp)
	ld	x14, 14*8(sp)
	ld	x15, 15*8(sp)
	ld	x16, 16*8(sp)
	ld	x17, 17*8(sp)
	ld	x18, 18*8(sp)
	ld	x19, 19*8(sp)
	ld	x20, 20*8(sp)
	ld	x21, 21*8(sp)
	ld	x22, 22*8(sp)
	ld	x23, 23*8(sp)
	ld	x24, 24*8(sp)
	ld	x25, 25*8(sp)
	ld	x26, 26*8(sp)
	ld	x27, 27*8(sp)
	ld	x28, 28*8(sp)
	ld	x29, 29*8(sp)
	ld	x30, 30*8(sp)
	ld	x31, 31*8(sp)
	addi	sp, sp, FRAME_SIZE
	sret

	/* From the guest: sp = its rv_guest_ctx, sscratch = the guest's sp. */
guest_trap:
	sd	x1, 1*8(sp)
	sd	x3, 3*8(sp)
	sd	x4, 4*8(sp)
	sd	x5, 5*8(sp)
	sd	x6, 6*8(sp)
	sd	x7, 7*8(sp)
	sd	x8, 8*8(sp)
	sd	x9, 9*8(sp)
	sd	x10, 10*8(sp)
	sd	x11, 11*8(sp)
	sd	x12, 12*8(sp)
	sd	x13, 13*8(sp)
	sd	x14, 14*8(sp)
	sd	x15, 15*8(sp)
	sd	x16, 16*8(sp)
	sd	x17, 17*8(sp)
	sd	x18, 18*8(sp)
	sd	x19, 19*8(sp)
	sd	x20, 20*8(sp)
	sd	x21, 21*8(sp)
	sd	x22, 22*8(sp)
	sd	x23, 23*8(sp)
	sd	x24, 24*8(sp)
	sd	x25, 25*8(sp)
	sd	x26, 26*8(sp)
	sd	x27, 27*8(sp)
	sd	x28, 28*8(sp)
	sd	x29, 29*8(sp)
	sd	x30, 30*8(sp)
	sd	x31, 31*8(sp)
	csrr	t0, sscratch
	sd	t0, 2*8(sp)
	csrw	sscratch, zero
	csrr	t0, sepc
	sd	t0, CTX_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, CTX_SSTATUS(sp)
	csrr	t0, hstatus
	sd	t0, CTX_HSTATUS(sp)
	/* Back into rv_guest_enter's caller, with its callee-saved registers. */
	mv	t0, sp
	ld	ra, CTX_HOST+0*8(t0)
	ld	sp, CTX_HOST+1*8(t0)
	ld	gp, CTX_HOST+2*8(t0)
	ld	tp, CTX_HOST+3*8(t0)
	ld	s0, CTX_HOST+4*8(t0)
	ld	s1, CTX_HOST+5*8(t0)
	ld	s2, CTX_HOST+6*8(t0)
	ld	s3, CTX_HOST+7*8(t0)
	ld	s4, CTX_HOST+8*8(t0)
	ld	s5, CTX_HOST+9*8(t0)
	ld	s6, CTX_HOST+10*8(t0)
	ld	s7, CTX_HOST+11*8(t0)
	ld	s8, CTX_HOST+12*8(t0)
	ld	s9, CTX_HOST+13*8(t0)
	ld	s10, CTX_HOST+14*8(t0)
	ld	s11, CTX_HOST+15*8(t0)
	ret

	/* void rv_guest_enter(struct rv_guest_ctx *ctx) */
	.globl rv_guest_enter
rv_guest_enter:
	sd	ra, CTX_HOST+0*8(a0)
	sd	sp, CTX_HOST+1*8(a0)
	sd	gp, CTX_HOST+2*8(a0)
	sd	tp, CTX_HOST+3*8(a0)
	sd	s0, CTX_HOST+4*8(a0)
	sd	s1, CTX_HOST+5*8(a0)
	sd	s2, CTX_HOST+6*8(a0)
	sd	s3, CTX_HOST+7*8(a0)
	sd	s4, CTX_HOST+8*8(a0)
	sd	s5, CTX_HOST+9*8(a0)
	sd	s6, CTX_HOST+10*8(a0)
	sd	s7, CTX_HOST+11*8(a0)
	sd	s8, CTX_HOST+12*8(a0)
	sd	s9, CTX_HOST+13*8(a0)
	sd	s10, CTX_HOST+14*8(a0)
	sd	s11, CTX_HOST+15*8(a0)
	ld	t0, CTX_SEPC(a0)
	csrw	sepc, t0
	ld	t0, CTX_HSTATUS(a0)
	csrw	hstatus, t0
	ld	t0, CTX_SSTATUS(a0)
	csrw	sstatus, t0
	csrw	sscratch, a0
	ld	x1, 1*8(a0)
	ld	x2, 2*8(a0)
	ld	x3, 3*8(a0)
	ld	x4, 4*8(a0)
	ld	x5, 5*8(a0)
	ld	x6, 6*8(a0)
	ld	x7, 7*8(a0)
	ld	x8, 8*8(a0)
	ld	x9, 9*8(a0)
	ld	x11, 11*8(a0)
	ld	x12, 12*8(a0)
	ld	x13, 13*8(a0)
	ld	x14, 14*8(a0)
	ld	x15, 15*8(a0)
	ld	x16, 16*8(a0)
	ld	x17, 17*8(a0)
	ld	x18, 18*8(a0)
	ld	x19, 19*8(a0)
	ld	x20, 20*8(a0)
	ld	x21, 21*8(a0)
	ld	x22, 22*8(a0)
	ld	x23, 23*8(a0)
	ld	x24, 24*8(a0)
	ld	x25, 25*8(a0)
	ld	x26, 26*8(a0)
	ld	x27, 27*8(a0)
	ld	x28, 28*8(a0)
	ld	x29, 29*8(a0)
	ld	x30, 30*8(a0)
	ld	x31, 31*8(a0)
	ld	x10, 10*8(a0)
	sret

	.section .bss.stack, "aw", @nobits
	.balign 16
	.globl rv_boot_stack_top
rv_boot_stack:
	.space 16384
rv_boot_stack_top:
