/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Entry of every test guest. The hypervisor copies the flat binary to
 * load_addr (0x100000) and jumps to its first byte in 32-bit flat protected
 * mode, paging and interrupts off, EBX = vCPU index (docs/x86-vm-platform.md).
 * The same image also carries a multiboot v1 header, so that plain
 * `qemu-system-x86_64 -kernel guest-X.bin` can run it for library checks.
 *
 * Built with -m64, this file also switches to long mode with a 4 GiB
 * identity map before calling guest_main.
 */

#define MB_MAGIC      0x1badb002
#define MB_FLAGS      0x00010000 /* bit 16: the address fields below are valid */
#define MB_BOOT_MAGIC 0x2badb002

#define GDT_CODE32 0x08
#define GDT_DATA   0x10
#define GDT_CODE64 0x18

	.section .text.entry, "ax"
	.code32
	.globl	_start
_start:
	jmp	1f

	.balign	4
mb_header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)
	.long	mb_header
	.long	__image_start
	.long	__data_end
	.long	__bss_end
	.long	_start

1:	cli
	cld
	/* A multiboot loader puts the info pointer in EBX; that is not a vCPU index. */
	cmpl	$MB_BOOT_MAGIC, %eax
	jne	2f
	xorl	%ebx, %ebx
2:
	/*
	 * The entry GDT belongs to whoever loaded us and may live in memory we
	 * are about to use; our IDT gates also need known selectors.
	 */
	lgdt	gdt_desc
	ljmp	$GDT_CODE32, $3f
3:	movw	$GDT_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	$__stack_top, %esp

	/* EBX survives the BSS clear (rep stosb uses EDI/ECX/EAX only). */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb
	movl	%ebx, guest_vcpu_index

#ifndef __x86_64__
	call	guest_main
	call	guest_poweroff
4:	hlt
	jmp	4b
#else
	/* PML4[0] -> PDPT; PDPT[0..3] -> four PDs of 2 MiB pages = 4 GiB. */
	movl	$guest_pdpt, %eax
	orl	$0x3, %eax
	movl	%eax, guest_pml4
	movl	$guest_pd, %eax
	orl	$0x3, %eax
	xorl	%ecx, %ecx
5:	movl	%eax, guest_pdpt(, %ecx, 8)
	addl	$0x1000, %eax
	incl	%ecx
	cmpl	$4, %ecx
	jb	5b

	/*
	 * PS | RW | P; the top GiB (MMIO) also gets PCD | PWT so its accesses
	 * are uncached as on hardware.
	 */
	xorl	%ecx, %ecx
6:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax
	cmpl	$1536, %ecx
	jb	7f
	orl	$0x18, %eax
7:	movl	%eax, guest_pd(, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	6b

	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	$guest_pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* EFER */
	rdmsr
	orl	$0x100, %eax		/* LME */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax	/* PG; PE is already set */
	movl	%eax, %cr0
	ljmp	$GDT_CODE64, $8f

	.code64
8:	movq	$__stack_top, %rsp
	call	guest_main
	call	guest_poweroff
9:	hlt
	jmp	9b

	/*
	 * A second entry for loaders that start the image in 64-bit mode
	 * with paging of their own (a Service VM's SET_VCPU_REGS): EBX is the
	 * vCPU index as above; our own page tables stay unused.
	 */
	.globl	_start64
_start64:
	cli
	cld
	movq	$__stack_top, %rsp
	movl	%ebx, %r12d
	movq	$__bss_start, %rdi
	movq	$__bss_end, %rcx
	subq	%rdi, %rcx
	xorl	%eax, %eax
	rep stosb
	movl	%r12d, guest_vcpu_index(%rip)
	jmp	8b
#endif

	.section .data
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: 32-bit code, base 0, 4 GiB */
	.quad	0x00cf93000000ffff	/* 0x10: data, base 0, 4 GiB */
	.quad	0x00af9b000000ffff	/* 0x18: 64-bit code */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.section .bss
	.balign	16
	.globl	__stack_top
__stack_bottom:
	.skip	16384
__stack_top:

	.globl	guest_vcpu_index
	.balign	4
guest_vcpu_index:
	.skip	4

#ifdef __x86_64__
	.globl	guest_pml4, guest_pdpt, guest_pd
	.balign	4096
guest_pml4:
	.skip	4096
guest_pdpt:
	.skip	4096
guest_pd:
	.skip	4 * 4096
#endif
