/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Application-processor start-up code. It is copied to TRAMPOLINE_PA (below
 * 1 MiB, as a start-up IPI requires) and runs from there: real mode ->
 * protected mode -> long mode on the boot page tables, then ap_entry64().
 * The BSP patches tr_cr3/tr_stack/tr_pcpu in the copy before each start.
 */
#define TRAMPOLINE_PA 0x7000
#define TR(x) (TRAMPOLINE_PA + ((x) - ap_tramp_start))

	.section .trampoline, "aw"
	.code16
	.globl ap_tramp_start
ap_tramp_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl TR(tr_gdt_desc)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $TR(tr_pm)

	.code32
tr_pm:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl TR(tr_cr3), %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $0x6a0, %eax
	movl %eax, %cr4
	movl $0xC0000080, %ecx
	rdmsr
	orl $0x900, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax
	movl %eax, %cr0
	ljmpl $0x18, $TR(tr_lm)

	.code64
tr_lm:
	movq TR(tr_stack), %rsp
	movq TR(tr_pcpu), %rdi
	movabsq $ap_entry64, %rax
	jmp *%rax

	.align 8
tr_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff /* 0x10: data */
	.quad 0x00af9a000000ffff /* 0x18: 64-bit code */
tr_gdt_desc:
	.word 31
	.long TR(tr_gdt)
	.align 8
	.globl tr_cr3, tr_stack, tr_pcpu
tr_cr3:
	.quad 0
tr_stack:
	.quad 0
tr_pcpu:
	.quad 0
	.globl ap_tramp_end
ap_tramp_end:

	.section .note.GNU-stack, "", @progbits
