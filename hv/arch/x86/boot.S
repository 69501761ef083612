/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multiboot (v1) entry. QEMU's -kernel and GRUB both enter here in 32-bit
 * protected mode with paging off. We build an identity map of the first
 * 4 GiB with 2 MiB pages, enter long mode and call hv_main(magic, info).
 * The same image is linked as ELF64 and converted to ELF32 for QEMU.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* page-align modules, want memory map */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, %edi /* multiboot magic: first argument */
	movl %ebx, %esi /* multiboot info: second argument */
	movl $boot_stack_top, %esp

	/* PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 2 MiB pages. */
	movl $boot_pdpt, %eax
	orl $0x3, %eax
	movl %eax, boot_pml4
	movl $boot_pd, %eax
	movl $boot_pdpt, %ebx
	movl $4, %ecx
1:	movl %eax, %edx
	orl $0x3, %edx
	movl %edx, (%ebx)
	addl $4096, %eax
	addl $8, %ebx
	loop 1b

	/* 2048 entries: 4 GiB of 2 MiB pages; the top GiB (MMIO) uncached. */
	movl $boot_pd, %ebx
	xorl %eax, %eax
	movl $2048, %ecx
2:	movl %eax, %edx
	orl $0x83, %edx /* present, writable, page size */
	cmpl $0xC0000000, %eax
	jb 3f
	orl $0x18, %edx /* PCD | PWT for the MMIO hole */
3:	movl %edx, (%ebx)
	movl $0, 4(%ebx)
	addl $0x200000, %eax
	addl $8, %ebx
	loop 2b

	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $0x6a0, %eax /* PAE | PGE | OSFXSR | OSXMMEXCPT */
	movl %eax, %cr4
	movl $0xC0000080, %ecx /* EFER */
	rdmsr
	orl $0x900, %eax /* LME | NXE */
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax /* PG | WP | PE */
	movl %eax, %cr0
	lgdt boot_gdt_desc
	ljmp $0x08, $long_entry

	.code64
long_entry:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq $boot_stack_top, %rsp
	/* edi/esi still hold magic and info; zero-extended by 32-bit moves. */
	movl %edi, %edi
	movl %esi, %esi
	call hv_main
4:	cli
	hlt
	jmp 4b

	.section .boot.data, "aw"
	.align 16
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff /* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .bss
	.align 4096
	.globl boot_pml4
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4096 * 4
	.align 16
boot_stack:
	.skip 16384
	.globl boot_stack_top
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
