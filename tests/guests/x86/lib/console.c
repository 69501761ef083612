// SPDX-License-Identifier: BSD-3-Clause
/* Polled 16550 output on COM1 and a small printf. */
#include "guest.h"

#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_DLL 0
#define UART_DLM 1

#define LSR_THRE 0x20

void console_init(void)
{
	outb(COM1_BASE + UART_IER, 0);
	outb(COM1_BASE + UART_LCR, 0x80); /* DLAB */
	outb(COM1_BASE + UART_DLL, 1);    /* 115200 baud */
	outb(COM1_BASE + UART_DLM, 0);
	outb(COM1_BASE + UART_LCR, 0x03); /* 8N1 */
	outb(COM1_BASE + UART_FCR, 0x07); /* FIFO on, both cleared */
	outb(COM1_BASE + UART_MCR, 0x03); /* DTR | RTS, OUT2 off: no IRQ */
}

void console_putc(char c)
{
	/*
	 * Bounded wait: a vUART that never reports THR empty must cost a
	 * slow console, not a hang that hides every other result.
	 */
	for (int i = 0; i < 10000; i++) {
		if (inb(COM1_BASE + UART_LSR) & LSR_THRE)
			break;
		cpu_relax();
	}
	outb(COM1_BASE + UART_THR, (uint8_t)c);
}

struct fmt_spec {
	bool zero_pad;
	bool left;
	int width;
};

static int emit_str(const char *s, size_t len, const struct fmt_spec *sp)
{
	int n = 0;
	int pad = sp->width > (int)len ? sp->width - (int)len : 0;

	if (!sp->left)
		for (; pad > 0; pad--, n++)
			console_putc(sp->zero_pad ? '0' : ' ');
	for (size_t i = 0; i < len; i++, n++)
		console_putc(s[i]);
	for (; pad > 0; pad--, n++)
		console_putc(' ');
	return n;
}

static int emit_num(uint64_t v, unsigned int base, bool neg, const struct fmt_spec *sp)
{
	char buf[24];
	int i = sizeof(buf);
	int n = 0;

	do {
		buf[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg) {
		/* The sign goes before zero padding: -0042, not 00-42. */
		if (sp->zero_pad) {
			struct fmt_spec s2 = *sp;

			console_putc('-');
			s2.width = sp->width > 0 ? sp->width - 1 : 0;
			return 1 + emit_str(buf + i, sizeof(buf) - i, &s2);
		}
		buf[--i] = '-';
	}
	n += emit_str(buf + i, sizeof(buf) - i, sp);
	return n;
}

int gvprintf(const char *fmt, va_list ap)
{
	int n = 0;

	for (; *fmt; fmt++) {
		struct fmt_spec sp = { 0 };
		int lng = 0;
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			console_putc(*fmt);
			n++;
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				sp.zero_pad = true;
			else if (*fmt == '-')
				sp.left = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			sp.width = sp.width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		if (*fmt == 'z') {
			lng = sizeof(size_t) == sizeof(long) ? 1 : 0;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			if (lng >= 2)
				s = va_arg(ap, long long);
			else if (lng == 1)
				s = va_arg(ap, long);
			else
				s = va_arg(ap, int);
			n += emit_num(s < 0 ? -(uint64_t)s : (uint64_t)s, 10, s < 0, &sp);
			break;
		case 'u':
		case 'x':
		case 'X':
			if (lng >= 2)
				u = va_arg(ap, unsigned long long);
			else if (lng == 1)
				u = va_arg(ap, unsigned long);
			else
				u = va_arg(ap, unsigned int);
			n += emit_num(u, *fmt == 'u' ? 10 : 16, false, &sp);
			break;
		case 'p':
			console_putc('0');
			console_putc('x');
			n += 2 + emit_num((uintptr_t)va_arg(ap, void *), 16, false, &sp);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			if (!str)
				str = "(null)";
			n += emit_str(str, strlen(str), &sp);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			n += emit_str(&c, 1, &sp);
			break;
		}
		case '%':
			console_putc('%');
			n++;
			break;
		case '\0':
			return n;
		default:
			/* Unknown conversion: show it rather than eat arguments. */
			console_putc('%');
			console_putc(*fmt);
			n += 2;
			break;
		}
	}
	return n;
}

int gprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = gvprintf(fmt, ap);
	va_end(ap);
	return n;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *pa = a, *pb = b;

	for (; n; n--, pa++, pb++)
		if (*pa != *pb)
			return *pa - *pb;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}
