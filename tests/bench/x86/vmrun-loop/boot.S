/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multiboot v1 entry of the VMRUN baseline: 32-bit protected mode from the
 * loader, then a 4 GiB identity map with 2 MiB pages and the switch to long
 * mode, then hv_main(multiboot info). Linked as ELF64 and converted to
 * elf32-i386 afterwards, because QEMU's multiboot loader refuses ELF64.
 */

#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000000 /* ELF image: the loader reads the program headers */

	.section .multiboot, "a"
	.balign	4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.section .text.entry, "ax"
	.code32
	.globl	_start
_start:
	cli
	cld
	movl	$boot_stack_top, %esp
	movl	%ebx, %ebp		/* multiboot info, kept across the BSS clear */

	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb

	/* PML4[0] -> PDPT; PDPT[0..3] -> four PDs; 2048 x 2 MiB = 4 GiB. */
	movl	$boot_pdpt, %eax
	orl	$0x3, %eax
	movl	%eax, boot_pml4
	movl	$boot_pd, %eax
	orl	$0x3, %eax
	xorl	%ecx, %ecx
1:	movl	%eax, boot_pdpt(, %ecx, 8)
	addl	$0x1000, %eax
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax		/* PS | RW | P */
	movl	%eax, boot_pd(, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	2b

	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax	/* PG */
	movl	%eax, %cr0
	lgdt	boot_gdt_desc
	ljmp	$0x08, $3f

	.code64
3:	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movq	$boot_stack_top, %rsp
	movl	%ebp, %edi
	call	hv_main
4:	cli
	hlt
	jmp	4b

	.section .rodata
	.balign	8
boot_gdt:
	.quad	0
	.quad	0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf93000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
	.word	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt

	.section .bss
	.balign	4096
boot_pml4:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4 * 4096
	.balign	16
	.skip	16384
boot_stack_top:
