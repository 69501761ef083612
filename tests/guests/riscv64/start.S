/* SPDX-License-Identifier: BSD-3-Clause */
/* Bare-metal VS-mode test guest entry: a0 = hart id from the hypervisor. */
	.section .text.start, "ax"
	.globl _start
_start:
	la	sp, stack_top
	call	guest_main
1:	wfi
	j	1b

	.bss
	.balign 16
	.space 8192
stack_top:
