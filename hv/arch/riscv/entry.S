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
#define CTX_HOST    (35 * 8)
#define FRAME_SIZE  (36 * 8)

/* Register numbers for GPRS lists: x<n> lives at n*8 in a frame or context. */
#define GPR_3_9   3, 4, 5, 6, 7, 8, 9
#define GPR_11_27 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27
#define GPR_3_27  GPR_3_9, 10, GPR_11_27
#define GPR_11_31 GPR_11_27, 28, 29, 30, 31
#define GPR_3_31  GPR_3_27, 28, 29, 30, 31

	/* GPRS sd|ld, base, n...: store or load each x<n> at n*8(base). */
	.macro GPRS op, base, regs:vararg
	.irp n, \regs
	\op x\n, \n*8(\base)
	.endr
	.endm

	.option norelax

	.section .text.entry, "ax"
	.globl _start
_start:
	csrw	sie, zero
	csrw	sscratch, zero
	/*
	 * OpenSBI 1.1 marks a hart START_PENDING before it stores the start
	 * address of an HSM hart_start, so a hart that wakes in between enters
	 * here, at the boot address, with a0 = its id and a1 = the device tree.
	 * Only the first hart here boots; a later one is the hart being started
	 * (the boot hart starts one at a time): give it its start record.
	 */
	la	t0, rv_boot_claimed
	li	t1, 1
	amoswap.w.aqrl t1, t1, (t0)
	bnez	t1, 4f
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
4:	la	t0, rv_pending_start
	ld	a1, 0(t0)
	fence	r, rw

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

	/*
	 * The exit path, first in .text.hot so that it shares one page with the
	 * C code of exits (link.ld): after each exit QEMU refills its TLB for
	 * every page touched, and each CSR access ends a translation block.
	 */
	.section .text.hot, "ax"
	.balign 4
	.globl rv_trap_vector
rv_trap_vector:
	csrrw	sp, sscratch, sp
	bnez	sp, guest_trap
	/* From HS: undo the swap; the frame is built off the exit path's page. */
	csrrw	sp, sscratch, sp
	j	host_trap

	/* From the guest: sp = its rv_guest_ctx, sscratch = the guest's sp. */
guest_trap:
	GPRS sd, sp, 1, GPR_3_31
	csrrw	t0, sscratch, zero	/* the guest's sp; 0 again: back in the hypervisor */
	sd	t0, 2*8(sp)
	csrr	t0, sepc
	sd	t0, CTX_SEPC(sp)
	/*
	 * sstatus and hstatus stay as the trap left them, which is what the
	 * next entry needs; vcpu.c writes them only when something changed
	 * them (each CSR access ends a QEMU translation block).
	 */
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
	csrw	sscratch, a0
	GPRS ld, a0, 1, 2, GPR_3_9, GPR_11_31
	ld	x10, 10*8(a0)
	sret

	/*
	 * long rv_hlvx_hu(uint64_t gva), rv_hlvx_wu(gva): read the guest's
	 * instruction halfword or word at gva with the guest's translation and
	 * privilege (hstatus.SPVP). A fault is the guest's doing: rv_trap sees
	 * sepc at rv_hlvx_hu_insn or rv_hlvx_wu_insn and resumes at
	 * rv_hlvx_fault, which returns -1. Off the exit path's page: the MMIO
	 * exit reads an aligned word with its own inline HLVX.WU (mmio.c).
	 */
	.text
	.globl rv_hlvx_hu, rv_hlvx_hu_insn, rv_hlvx_wu, rv_hlvx_wu_insn, rv_hlvx_fault
rv_hlvx_hu:
	mv	t0, a0
rv_hlvx_hu_insn:
	.insn r 0x73, 0x4, 0x32, a0, t0, x3	/* hlvx.hu a0, (t0) */
	ret
rv_hlvx_wu:
	mv	t0, a0
rv_hlvx_wu_insn:
	.insn r 0x73, 0x4, 0x34, a0, t0, x3	/* hlvx.wu a0, (t0) */
	ret
rv_hlvx_fault:
	li	a0, -1
	ret

	/* A trap taken in HS (host timer, IPI, a fault): a frame on the current stack. */
	.text
	.balign 4
host_trap:
	addi	sp, sp, -FRAME_SIZE
	GPRS sd, sp, 1, GPR_3_31
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
	GPRS ld, sp, 1, GPR_3_31
	addi	sp, sp, FRAME_SIZE
	sret

	/* In .data: the boot hart clears BSS after claiming the boot. */
	.data
	.balign 8
	.globl rv_pending_start
rv_pending_start:
	.dword	0
rv_boot_claimed:
	.word	0

	.section .bss.stack, "aw", @nobits
	.balign 16
	.globl rv_boot_stack_top
rv_boot_stack:
	.space 16384
rv_boot_stack_top:
