/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest F/D state, moved only when a hart switches vCPUs (vcpu.c). The
 * hypervisor is built without F/D and never touches these registers, so
 * they are the loaded vCPU's between switches. sstatus.FS must be on for
 * the moves; each routine turns it on and restores the caller's sstatus.
 */
	.option push
	.option arch, +d

	/* void rv_fp_save(struct rv_fp_state *s) */
	.text	/* only on a vCPU switch: off the exit path's page */
	.globl rv_fp_save
rv_fp_save:
	li	t1, 1 << 13			/* FS = Initial: enough to access */
	csrrs	t0, sstatus, t1
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	fsd	f\n, \n*8(a0)
	.endr
	frcsr	t1
	sd	t1, 32*8(a0)
	csrw	sstatus, t0
	ret

	/* void rv_fp_load(const struct rv_fp_state *s) */
	.globl rv_fp_load
rv_fp_load:
	li	t1, 1 << 13
	csrrs	t0, sstatus, t1
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	fld	f\n, \n*8(a0)
	.endr
	ld	t1, 32*8(a0)
	fscsr	t1
	csrw	sstatus, t0
	ret

	.option pop
