/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HS-mode baseline for tests/bench/riscv-exits: OpenSBI enters at
 * 0x80200000; loop.c runs one VS-mode guest. Guest entry and exit move all
 * registers through struct ctx (sscratch points at it while the guest runs),
 * the same work our hypervisor's entry.S does, and nothing else.
 */
#define CTX_SEPC    (32 * 8)
#define CTX_SSTATUS (33 * 8)
#define CTX_HSTATUS (34 * 8)
#define CTX_HOST    (35 * 8)

	.option norelax
	.section .text.entry, "ax"
	.globl _start
_start:
	la	sp, stack_top
	csrw	sscratch, zero
	la	t0, trap
	csrw	stvec, t0
	call	hs_main
1:	wfi
	j	1b

	.text
	.balign 4
trap:	/* only guests trap here: sscratch = their ctx */
	csrrw	sp, sscratch, sp
	.irp n, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd	x\n, \n*8(sp)
	.endr
	csrr	t0, sscratch
	sd	t0, 2*8(sp)
	csrw	sscratch, zero
	csrr	t0, sepc
	sd	t0, CTX_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, CTX_SSTATUS(sp)
	csrr	t0, hstatus
	sd	t0, CTX_HSTATUS(sp)
	mv	t0, sp
	ld	ra, CTX_HOST+0*8(t0)
	ld	sp, CTX_HOST+1*8(t0)
	ld	gp, CTX_HOST+2*8(t0)
	ld	tp, CTX_HOST+3*8(t0)
	ld	s0, CTX_HOST+4*8(t0)
	ld	s1, CTX_HOST+5*8(t0)
	.irp n, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
	ld	s\n, CTX_HOST+(\n+4)*8(t0)
	.endr
	ret

	/* void guest_enter(struct ctx *c) */
	.globl guest_enter
guest_enter:
	sd	ra, CTX_HOST+0*8(a0)
	sd	sp, CTX_HOST+1*8(a0)
	sd	gp, CTX_HOST+2*8(a0)
	sd	tp, CTX_HOST+3*8(a0)
	sd	s0, CTX_HOST+4*8(a0)
	sd	s1, CTX_HOST+5*8(a0)
	.irp n, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
	sd	s\n, CTX_HOST+(\n+4)*8(a0)
	.endr
	ld	t0, CTX_SEPC(a0)
	csrw	sepc, t0
	ld	t0, CTX_HSTATUS(a0)
	csrw	hstatus, t0
	ld	t0, CTX_SSTATUS(a0)
	csrw	sstatus, t0
	csrw	sscratch, a0
	.irp n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	ld	x\n, \n*8(a0)
	.endr
	ld	x10, 10*8(a0)
	sret

	/* The guest image, copied to guest-physical 0x200000 by loop.c. */
	.section .rodata
	.balign 8
	.globl guest_bin, guest_bin_end
guest_bin:
	.incbin GUEST_BIN
guest_bin_end:

	.section .bss.stack, "aw", @nobits
	.balign 16
	.space 16384
stack_top:
