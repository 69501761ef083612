/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in "hypervisor" for acrn-board's self-test: a multiboot ELF32 that
 * prints its command line and every module's command line to COM1, then acts
 * on the last character of its command line:
 *   '0' exit 0 via isa-debug-exit (board power-off), '1' exit 1 (failure),
 *   'h' hang, 'r' triple fault (board reset).
 */
	.section .multiboot, "a"
	.align 4
	.long 0x1BADB002
	.long 0x00000003
	.long -(0x1BADB002 + 0x00000003)

	.text
	.code32
	.globl _start
_start:
	mov $stack_top, %esp
	mov %ebx, %ebp			/* multiboot info */
	mov $banner, %esi
	call puts
	xor %ebx, %ebx			/* last cmdline char */
	testl $4, (%ebp)
	jz 2f
	mov 16(%ebp), %esi
	call puts
	mov 16(%ebp), %esi
1:	lodsb
	test %al, %al
	jz 2f
	mov %al, %bl
	jmp 1b
2:	mov $nl, %esi
	call puts
	testl $8, (%ebp)
	jz act
	mov 20(%ebp), %ecx		/* mods_count */
	mov 24(%ebp), %edi		/* mods_addr */
3:	test %ecx, %ecx
	jz act
	push %ecx
	mov $modmsg, %esi
	call puts
	mov 8(%edi), %esi
	call puts
	mov $nl, %esi
	call puts
	pop %ecx
	add $16, %edi
	dec %ecx
	jmp 3b

act:
	cmp $'0', %bl
	je exit0
	cmp $'1', %bl
	je exit1
	cmp $'r', %bl
	je reset
hang:
	mov $hangmsg, %esi
	call puts
4:	cli
	hlt
	jmp 4b
exit0:
	mov $0, %al
	jmp 5f
exit1:
	mov $failmsg, %esi
	call puts
	mov $1, %al
5:	mov $0xf4, %dx
	out %al, %dx
	jmp hang
reset:
	lidt null_idt
	int3
	jmp hang

/* Print the NUL-terminated string at %esi on COM1. */
puts:
	lodsb
	test %al, %al
	jz 7f
	mov %al, %ah
	mov $0x3fd, %dx
6:	in %dx, %al
	test $0x20, %al
	jz 6b
	mov $0x3f8, %dx
	mov %ah, %al
	out %al, %dx
	jmp puts
7:	ret

	.data
banner:	.asciz "stub-hv: cmdline: "
modmsg:	.asciz "stub-hv: module: "
hangmsg: .asciz "stub-hv: hanging\n"
failmsg: .asciz "stub-hv: PANIC (on purpose)\n"
nl:	.asciz "\n"
	.align 8
null_idt:
	.word 0
	.long 0

	.bss
	.align 16
	.skip 4096
stack_top:
