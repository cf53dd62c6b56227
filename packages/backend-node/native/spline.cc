// The fused rational-quadratic spline (core's FUSED_SPLINE / FUSED_SPLINE_GRAD): per coordinate,
// the knots from the raw widths/heights/derivatives, the bin, the value and log-derivative, and for
// the gradient the hand-written reverse pass of the same arithmetic. Mirrors backend-wasm's
// kernels/splineLoops.ts line for line; the maths is in core's rationalQuadraticSpline.ts.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"
#include "parallel_rows.h"

namespace bijective {
namespace {

double soft_clamp(double a, double c) { return a / (1 + std::fabs(a) / c); }
double soft_clamp_grad(double a, double c) {
  const double t = 1 + std::fabs(a) / c;
  return 1 / (t * t);
}
double softplus(double r) { return std::max(r, 0.0) + std::log1p(std::exp(-std::fabs(r))); }
double sigmoid(double r) { return 1 / (1 + std::exp(-r)); }
double clip01(double v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }

// Scratch for one coordinate: knots, derivatives and the softmax outputs they came from.
struct Knots {
  explicit Knots(size_t k) : cw(k + 1), ch(k + 1), sw(k), sh(k), g_size(k) {}
  std::vector<double> cw, ch, sw, sh, g_size;
};

// Coordinates per pool task, and the size below which one thread does all (waking costs more).
constexpr size_t PARALLEL_COORDS = 1024;

// Softmax of raw[0..K) (soft-clamped first for zuko) into sm, knot positions into edges.
void knots_of(const float* raw, const SplineSettings& a, double* sm, double* edges) {
  const size_t K = a.bins;
  const double half = -std::log(a.min_derivative) / 2;
  double mx = -INFINITY;
  for (size_t i = 0; i < K; ++i) {
    const double v = a.zuko ? soft_clamp(raw[i], half) : double(raw[i]);
    sm[i] = v;
    mx = std::max(mx, v);
  }
  double sum = 0;
  for (size_t i = 0; i < K; ++i) {
    sm[i] = std::exp(float(sm[i] - mx));  // float exp: the composite's precision, several times faster
    sum += sm[i];
  }
  for (size_t i = 0; i < K; ++i) sm[i] /= sum;
  const double scale = a.zuko ? 1 : 1 - a.min_bin_size * double(K);
  const double floor = a.zuko ? 0 : a.min_bin_size;
  edges[0] = -a.bound;
  double cum = 0;
  for (size_t j = 1; j < K; ++j) {
    cum += floor + scale * sm[j - 1];
    edges[j] = 2 * a.bound * cum - a.bound;
  }
  edges[K] = a.bound;
}

void fill_knots(const float* raw, const SplineSettings& a, Knots& k) {
  knots_of(raw, a, k.sw.data(), k.cw.data());
  knots_of(raw + a.bins, a, k.sh.data(), k.ch.data());
}

// Knot derivative j (1 at both ends), computed only for the two a coordinate's bin uses.
double deriv(const float* raw, const SplineSettings& a, size_t j) {
  const size_t K = a.bins;
  if (j == 0 || j == K) return 1;
  const double r = raw[2 * K + j - 1];
  return a.zuko ? std::exp(soft_clamp(r, -std::log(a.min_derivative))) : a.min_derivative + softplus(r);
}

// Bin of v: the number of interior knots <= v.
size_t bin_of(const std::vector<double>& edges, size_t K, double v) {
  size_t k = 0;
  for (size_t j = 1; j < K; ++j)
    if (v >= edges[j]) k = j;
  return k;
}

// Cotangents of edges k (g_left) and k + 1 (g_right) pushed back to the K raw sizes at d_raw.
void knots_backward(const SplineSettings& a, const double* sm, size_t k, double g_left, double g_right,
                    float* d_raw, const float* raw, double* g_size) {
  const size_t K = a.bins;
  auto g_edge = [&](size_t j) { return j < 1 || j > K - 1 ? 0.0 : (j == k ? g_left : (j == k + 1 ? g_right : 0.0)); };
  g_size[K - 1] = 0;
  double acc = 0;
  for (size_t l = K - 1; l-- > 0;) {
    acc += g_edge(l + 1);
    g_size[l] = 2 * a.bound * acc;
  }
  const double scale = a.zuko ? 1 : 1 - a.min_bin_size * double(K);
  double dot = 0;
  for (size_t l = 0; l < K; ++l) dot += sm[l] * scale * g_size[l];
  const double half = -std::log(a.min_derivative) / 2;
  for (size_t l = 0; l < K; ++l) {
    const double g = sm[l] * (scale * g_size[l] - dot);
    d_raw[l] = float(a.zuko ? g * soft_clamp_grad(raw[l], half) : g);
  }
}

}  // namespace

void spline(const float* x, const float* raw, float* out, float* lad, float* log_det, size_t rows, size_t dim,
            const SplineSettings& a) {
  const size_t K = a.bins, P = 3 * K - 1;
  parallel_rows(rows, dim, PARALLEL_COORDS, [&](size_t row_begin, size_t row_end) {
  Knots kn(K);
  for (size_t r = row_begin; r < row_end; ++r) {
    double row_sum = 0;
    for (size_t c = 0; c < dim; ++c) {
      const size_t i = r * dim + c;
      const double v = x[i];
      if (!(std::fabs(v) <= a.bound)) {
        out[i] = x[i];
        lad[i] = 0;
        continue;
      }
      fill_knots(raw + i * P, a, kn);
      const size_t k = bin_of(a.inverse ? kn.ch : kn.cw, K, v);
      const double xk = kn.cw[k], w = kn.cw[k + 1] - xk, yk = kn.ch[k], h = kn.ch[k + 1] - yk;
      const double d0 = deriv(raw + i * P, a, k), d1 = deriv(raw + i * P, a, k + 1);
      const double s = h / w, sum = d1 + d0 - 2 * s;
      double xi, o;
      if (a.inverse) {
        const double dy = v - yk;
        const double qa = h * (s - d0) + dy * sum, qb = h * d0 - dy * sum, qc = -s * dy;
        const double disc = std::max(qb * qb - 4 * qa * qc, 0.0);
        xi = clip01((2 * qc) / (-qb - std::sqrt(disc)));
        o = xi * w + xk;
      } else {
        xi = clip01((v - xk) / w);
        const double xi1m = xi * (1 - xi);
        o = yk + (h * (s * xi * xi + d0 * xi1m)) / (s + sum * xi1m);
      }
      const double om = 1 - xi, xi1m = xi * om;
      const double denom = s + sum * xi1m;
      const double dnum = s * s * (d1 * xi * xi + 2 * s * xi1m + d0 * om * om);
      const double l = std::log(dnum) - 2 * std::log(denom);
      out[i] = float(o);
      lad[i] = float(a.inverse ? -l : l);
      row_sum += lad[i];
    }
    log_det[r] = float(row_sum);
  }
  });
}

void spline_grad(const float* x, const float* raw, const float* d_out, const float* d_lad,
                 const float* d_log_det, float* dx, float* d_raw, size_t rows, size_t dim,
                 const SplineSettings& a) {
  const size_t K = a.bins, P = 3 * K - 1;
  const double L = -std::log(a.min_derivative);
  parallel_rows(rows, dim, PARALLEL_COORDS, [&](size_t row_begin, size_t row_end) {
  Knots kn(K);
  std::fill(d_raw + row_begin * dim * P, d_raw + row_end * dim * P, 0.0f);
  for (size_t r = row_begin; r < row_end; ++r) {
    for (size_t c = 0; c < dim; ++c) {
      const size_t i = r * dim + c;
      const double v = x[i];
      const double g_out = d_out ? d_out[i] : 0.0;
      if (!(std::fabs(v) <= a.bound)) {
        dx[i] = float(g_out);
        continue;
      }
      const double g_lad = (d_lad ? d_lad[i] : 0.0) + (d_log_det ? d_log_det[r] : 0.0);
      const float* rw = raw + i * P;
      float* drw = d_raw + i * P;
      fill_knots(rw, a, kn);
      const size_t k = bin_of(a.inverse ? kn.ch : kn.cw, K, v);
      const double xk = kn.cw[k], w = kn.cw[k + 1] - xk, yk = kn.ch[k], h = kn.ch[k + 1] - yk;
      const double d0 = deriv(rw, a, k), d1 = deriv(rw, a, k + 1);
      const double s = h / w, sum = d1 + d0 - 2 * s;
      double gxk = 0, gw = 0, gyk = 0, gh = 0, gd0 = 0, gd1 = 0, gs = 0, gsum = 0, gv = 0;
      if (a.inverse) {
        const double dy = v - yk;
        const double qa = h * (s - d0) + dy * sum, qb = h * d0 - dy * sum, qc = -s * dy;
        const double disc_raw = qb * qb - 4 * qa * qc;
        const double root = std::sqrt(std::max(disc_raw, 0.0));
        const double q = -qb - root;
        const double xi0 = (2 * qc) / q, xi = clip01(xi0);
        const double om = 1 - xi, xi1m = xi * om;
        const double denom = s + sum * xi1m;
        const double P2 = d1 * xi * xi + 2 * s * xi1m + d0 * om * om;
        const double dnum = s * s * P2;
        // x = xi·w + xk; lad = 2 log denom - log dnum.
        double gxi = g_out * w;
        gw += g_out * xi;
        gxk += g_out;
        const double g_denom = (2 * g_lad) / denom, g_dnum = -g_lad / dnum;
        gs += g_dnum * 2 * s * P2;
        const double gP = g_dnum * s * s;
        gd1 += gP * xi * xi;
        const double gxi2 = gP * d1;
        gs += gP * 2 * xi1m;
        double gxi1m = gP * 2 * s;
        gd0 += gP * om * om;
        double gom = gP * d0 * 2 * om;
        gs += g_denom;
        gsum += g_denom * xi1m;
        gxi1m += g_denom * sum;
        gxi += 2 * xi * gxi2;
        gxi += gxi1m * om;
        gom += gxi1m * xi;
        gxi -= gom;
        const double gxi0 = xi0 >= 0 && xi0 <= 1 ? gxi : 0;
        double gc = (gxi0 * 2) / q;
        const double gq = (-gxi0 * 2 * qc) / (q * q);
        double gb = -gq;
        const double g_root = -gq;
        const double g_disc = g_root / (2 * root);
        const double g_disc_raw = disc_raw > 0 ? g_disc : 0;
        gb += 2 * qb * g_disc_raw;
        const double ga = -4 * qc * g_disc_raw;
        gc += -4 * qa * g_disc_raw;
        gs += -dy * gc;
        double gdy = -s * gc;
        gh += d0 * gb;
        gd0 += h * gb;
        gdy -= sum * gb;
        gsum -= dy * gb;
        gh += (s - d0) * ga;
        gs += h * ga;
        gd0 -= h * ga;
        gdy += sum * ga;
        gsum += dy * ga;
        gv += gdy;
        gyk -= gdy;
      } else {
        const double t1 = v - xk, xi0 = t1 / w, xi = clip01(xi0);
        const double om = 1 - xi, xi1m = xi * om;
        const double denom = s + sum * xi1m;
        const double N = s * xi * xi + d0 * xi1m, numer = h * N;
        const double P2 = d1 * xi * xi + 2 * s * xi1m + d0 * om * om;
        const double dnum = s * s * P2;
        const double g_numer = g_out / denom;
        const double g_denom = (-g_out * numer) / (denom * denom) - (2 * g_lad) / denom;
        gyk += g_out;
        const double g_dnum = g_lad / dnum;
        gs += g_dnum * 2 * s * P2;
        const double gP = g_dnum * s * s;
        gd1 += gP * xi * xi;
        double gxi2 = gP * d1;
        gs += gP * 2 * xi1m;
        double gxi1m = gP * 2 * s;
        gd0 += gP * om * om;
        double gom = gP * d0 * 2 * om;
        gh += g_numer * N;
        const double gN = g_numer * h;
        gs += gN * xi * xi;
        gxi2 += gN * s;
        gd0 += gN * xi1m;
        gxi1m += gN * d0;
        gs += g_denom;
        gsum += g_denom * xi1m;
        gxi1m += g_denom * sum;
        double gxi = 2 * xi * gxi2;
        gxi += gxi1m * om;
        gom += gxi1m * xi;
        gxi -= gom;
        const double gxi0 = xi0 >= 0 && xi0 <= 1 ? gxi : 0;
        const double gt1 = gxi0 / w;
        gw -= (gxi0 * t1) / (w * w);
        gv += gt1;
        gxk -= gt1;
      }
      // sum = d1 + d0 - 2s; s = h / w.
      gd1 += gsum;
      gd0 += gsum;
      gs -= 2 * gsum;
      gh += gs / w;
      gw -= (gs * h) / (w * w);
      dx[i] = float(gv);
      // xk = cw[k], w = cw[k+1] - cw[k]; likewise yk, h from ch.
      knots_backward(a, kn.sw.data(), k, gxk - gw, gw, drw, rw, kn.g_size.data());
      knots_backward(a, kn.sh.data(), k, gyk - gh, gh, drw + K, rw + K, kn.g_size.data());
      auto deriv_grad = [&](size_t j, double g) {
        if (j < 1 || j > K - 1) return;
        const double rr = rw[2 * K + j - 1];
        const double local = a.zuko ? std::exp(soft_clamp(rr, L)) * soft_clamp_grad(rr, L) : sigmoid(rr);
        drw[2 * K + j - 1] = float(double(drw[2 * K + j - 1]) + g * local);
      };
      deriv_grad(k, gd0);
      deriv_grad(k + 1, gd1);
    }
  }
  });
}

}  // namespace bijective
