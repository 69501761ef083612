/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The baseline guest: 32-bit protected mode, paging off, run in place
 * (the NPT maps the first GiB 1:1). Its two loops are byte-for-byte those of
 * tests/guests/x86/bench-exits.c, so the exit rates compare:
 *   phase 1: N x "outb %al, $0x80"     (E6 80, IOIO exit)
 *   phase 2: N x "movl (%ebx), %eax"   (8B 03, #NPF on an unmapped GPA)
 * Each phase ends with VMMCALL (0F 01 D9), which the host uses to time it.
 * N is read from guest_count, which the host may set before VMRUN.
 */
#define MMIO_HOLE 0xfeb00008

	.text
	.code32
	.globl	guest_entry
guest_entry:
	movl	guest_count, %ecx
	xorl	%eax, %eax
1:	outb	%al, $0x80
	decl	%ecx
	jnz	1b
	vmmcall

	movl	guest_count, %ecx
	movl	$MMIO_HOLE, %ebx
2:	movl	(%ebx), %eax
	decl	%ecx
	jnz	2b
	vmmcall
	hlt
	jmp	guest_entry

	.data
	.balign	4
	.globl	guest_count
guest_count:
	.long	200000
