// The ops' C kernels, the loops around the matrix products, each called
// from one wrapper in kernels.go: the bias with its activation, the tanh
// gradient and the ConvLSTM gates, with the formulas of fastmath_test.go's
// reference functions, which the compiler runs 8 lanes wide (Go has no
// SIMD of its own: the cell gates went from about 20 to 3 ns per
// element); and im2col and col2im, whose short strided rows cost three
// times as much with Go's bounds checks.
#include "kernels.h"

// Clamps are float compares, which may trap by default and so keep GCC
// from vectorising loops that contain them; these loops never trap.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

// On x86-64 each function is compiled twice, for AVX2+FMA and for the
// baseline, and the loader picks one for the machine.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

// tanh32 is fastmath_test.go's tanh32: Eigen's 13/6 rational function.
static inline float tanh32(float x) {
	const float lim = 7.90531110763549805f;
	x = x < -lim ? -lim : x;
	x = x > lim ? lim : x;
	float z = x * x;
	float z2 = z * z;
	float z4 = z2 * z2;
	float p = (4.89352455891786e-03f + 6.37261928875436e-04f * z) +
		z2 * (1.48572235717979e-05f + 5.12229709037114e-08f * z) +
		z4 * ((-8.60467152213735e-11f + 2.00018790482477e-13f * z) + z2 * -2.76076847742355e-16f);
	float q = (4.89352518554385e-03f + 2.26843463243900e-03f * z) + z2 * (1.18534705686654e-04f + 1.19825839466702e-06f * z);
	return x * p / q;
}

static inline float sigmoid32(float x) { return 0.5f * tanh32(0.5f * x) + 0.5f; }

// stae_bias_act_rows adds bias b[r] to row r of rows rows of n values
// stride apart, and applies tanh if asked: one call per output block
// rather than per channel.
CLONES void stae_bias_act_rows(float *restrict v, long rows, long n, long stride, const float *restrict b, int tanh) {
	for (long r = 0; r < rows; r++) {
		float *restrict row = v + r * stride;
		float br = b[r];
		if (!tanh) {
			for (long j = 0; j < n; j++) row[j] += br;
			continue;
		}
		for (long j = 0; j < n; j++) row[j] = tanh32(row[j] + br);
	}
}

// dst may be g itself: each value is read before it is written.
CLONES void stae_tanh_grad(const float *restrict y, const float *g, float *dst, long n) {
	for (long j = 0; j < n; j++) dst[j] = g[j] * (1 - y[j] * y[j]);
}

// cell_gates gives the input and forget gates' pre-activations at j, the
// peepholes (when wci is set) adding the previous cell state cpv.
static inline void cell_gates(const float *restrict zi, const float *restrict zf,
		const float *restrict wci, const float *restrict wcf, float cpv, long j,
		float *ai, float *af) {
	*ai = zi[j];
	*af = zf[j];
	if (wci) {
		*ai += wci[j] * cpv;
		*af += wcf[j] * cpv;
	}
}

CLONES void stae_cell_fwd(const float *restrict zi, const float *restrict zf, const float *restrict zg,
		const float *restrict cp, const float *restrict wci, const float *restrict wcf,
		float *restrict c, long n) {
	for (long j = 0; j < n; j++) {
		float cpv = cp[j], ai, af;
		cell_gates(zi, zf, wci, wcf, cpv, j, &ai, &af);
		c[j] = sigmoid32(af) * cpv + sigmoid32(ai) * tanh32(zg[j]);
	}
}

CLONES void stae_cell_back(const float *restrict zi, const float *restrict zf, const float *restrict zg,
		const float *restrict cp, const float *restrict wci, const float *restrict wcf,
		const float *restrict gc, float *restrict dzi, float *restrict dzf, float *restrict dzg,
		float *restrict dcp, float *restrict dwci, float *restrict dwcf, long n) {
	for (long j = 0; j < n; j++) {
		float cpv = cp[j], ai, af;
		cell_gates(zi, zf, wci, wcf, cpv, j, &ai, &af);
		float iv = sigmoid32(ai), fv = sigmoid32(af), gv = tanh32(zg[j]);
		float gcv = gc[j];
		float di = gcv * gv * iv * (1 - iv);
		float df = gcv * cpv * fv * (1 - fv);
		dzi[j] = di;
		dzf[j] = df;
		dzg[j] = gcv * iv * (1 - gv * gv);
		float v = gcv * fv;
		if (wci) {
			v += di * wci[j] + df * wcf[j];
			dwci[j] += di * cpv;
			dwcf[j] += df * cpv;
		}
		dcp[j] = v;
	}
}

CLONES void stae_hidden_fwd(const float *restrict zo, const float *restrict c, const float *restrict wco,
		float *restrict h, long n) {
	for (long j = 0; j < n; j++) {
		float cv = c[j];
		float ao = zo[j];
		if (wco) ao += wco[j] * cv;
		h[j] = sigmoid32(ao) * tanh32(cv);
	}
}

CLONES void stae_hidden_back(const float *restrict zo, const float *restrict c, const float *restrict wco,
		const float *restrict gh, float *restrict dzo, float *restrict dc, float *restrict dwco, long n) {
	for (long j = 0; j < n; j++) {
		float cv = c[j];
		float ao = zo[j];
		if (wco) ao += wco[j] * cv;
		float ov = sigmoid32(ao), tc = tanh32(cv);
		float ghv = gh[j];
		float d = ghv * tc * ov * (1 - ov);
		dzo[j] = d;
		float v = ghv * ov * (1 - tc * tc);
		if (wco) {
			v += d * wco[j];
			dwco[j] += d * cv;
		}
		dc[j] = v;
	}
}

// oj_range is the range [lo, hi) of output columns whose input
// column oj*s+kj-p for kernel column kj falls inside the image.
static inline void oj_range(int w, int k, int s, int p, int ow, int kj, int *lo, int *hi) {
	(void)k;
	int l = 0, d = p - kj;
	if (d > 0) l = (d + s - 1) / s;
	int e = w - 1 + p - kj, u;
	if (e < 0) {
		u = 0;
	} else {
		u = e / s + 1;
		if (u > ow) u = ow;
	}
	*lo = l;
	*hi = u > l ? u : l;
}

// stae_im2col is geom.im2col (conv.go) for output rows [oi_lo, oi_hi).
void stae_im2col(const float *restrict x, float *restrict col, int c, int h, int w, int k, int s, int p,
		int oh, int ow, int oi_lo, int oi_hi) {
	long cols = (long)oh * ow;
	int rows = c * k * k;
	for (int r = 0; r < rows; r++) {
		int ch = r / (k * k), ki = (r / k) % k, kj = r % k;
		const float *img = x + (long)ch * h * w;
		float *dst = col + (long)r * cols;
		int jlo, jhi;
		oj_range(w, k, s, p, ow, kj, &jlo, &jhi);
		for (int oi = oi_lo; oi < oi_hi; oi++) {
			float *row = dst + (long)oi * ow;
			int ii = oi * s + ki - p;
			if (ii < 0 || ii >= h) {
				for (int j = 0; j < ow; j++) row[j] = 0;
				continue;
			}
			const float *src = img + (long)ii * w + (jlo * s + kj - p);
			for (int j = 0; j < jlo; j++) row[j] = 0;
			for (int j = jhi; j < ow; j++) row[j] = 0;
			float *seg = row + jlo;
			int n = jhi - jlo;
			if (s == 1) {
				for (int t = 0; t < n; t++) seg[t] = src[t];
			} else if (s == 2) {
				for (int t = 0; t < n; t++) seg[t] = src[2 * t];
			} else if (s == 4) {
				for (int t = 0; t < n; t++) seg[t] = src[4 * t];
			} else {
				for (int t = 0; t < n; t++) seg[t] = src[(long)t * s];
			}
		}
	}
}

// stae_col2im is geom.col2im (conv.go) for channels [c_lo, c_hi).
void stae_col2im(const float *restrict col, float *restrict x, int c, int h, int w, int k, int s, int p,
		int oh, int ow, int c_lo, int c_hi) {
	(void)c;
	long cols = (long)oh * ow;
	for (int ch = c_lo; ch < c_hi; ch++) {
		float *img = x + (long)ch * h * w;
		for (int ki = 0; ki < k; ki++) {
			for (int kj = 0; kj < k; kj++) {
				long r = ((long)ch * k + ki) * k + kj;
				const float *src = col + r * cols;
				int jlo, jhi;
				oj_range(w, k, s, p, ow, kj, &jlo, &jhi);
				if (jlo >= jhi) continue;
				int j0 = jlo * s + kj - p, n = jhi - jlo;
				for (int oi = 0; oi < oh; oi++) {
					int ii = oi * s + ki - p;
					if (ii < 0 || ii >= h) continue;
					const float *seg = src + (long)oi * ow + jlo;
					float *dst = img + (long)ii * w + j0;
					if (s == 1) {
						for (int t = 0; t < n; t++) dst[t] += seg[t];
					} else if (s == 2) {
						for (int t = 0; t < n; t++) dst[2 * t] += seg[t];
					} else if (s == 4) {
						for (int t = 0; t < n; t++) dst[4 * t] += seg[t];
					} else {
						for (int t = 0; t < n; t++) dst[(long)t * s] += seg[t];
					}
				}
			}
		}
	}
}
