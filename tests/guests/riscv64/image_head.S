/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A RISC-V Linux Image header (Documentation/riscv/boot-image-header.rst's
 * layout) in front of a bare-metal guest, so the hypervisor's Image boot
 * path can be tested without a kernel: code0 jumps to _start.
 */
	.section .text.head, "ax"
	.option push
	.option norvc
	.globl image_head
image_head:
	j	_start			/* code0 */
	.word	0			/* code1 */
	.dword	0x200000		/* text_offset */
	.dword	image_end - image_head	/* image_size, BSS included */
	.dword	0			/* flags: little-endian */
	.word	2			/* version 0.2 */
	.word	0
	.dword	0
	.ascii	"RISCV\0\0\0"		/* magic (deprecated) */
	.ascii	"RSC\x05"		/* magic2 */
	.word	0
	.option pop
