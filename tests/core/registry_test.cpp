#include <gtest/gtest.h>

#include "nce/core/registry.hpp"

namespace nce::core {
namespace {

struct Shape {
  virtual ~Shape() = default;
  virtual int corners() const = 0;
};
struct Square final : Shape {
  int corners() const override { return 4; }
};
struct Triangle final : Shape {
  int corners() const override { return 3; }
};
using Shapes = Registry<Shape>;
const bool square = Shapes::add("square", "four corners", [] { return std::make_unique<Square>(); });
const bool triangle = Shapes::add("triangle", "three corners", [] { return std::make_unique<Triangle>(); });

TEST(Registry, CreatesByNameAndListsNames) {
  EXPECT_TRUE(square && triangle);
  EXPECT_EQ(Shapes::create("triangle", "shape")->corners(), 3);
  EXPECT_EQ(&Shapes::get("square", "shape"), &Shapes::get("square", "shape"));  // one shared instance
  EXPECT_EQ(Shapes::names_text(), "square, triangle");
  EXPECT_EQ(Shapes::help_text(), "  square       four corners\n  triangle     three corners\n");
  try {
    Shapes::create("circle", "shape");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "unknown shape 'circle' (registered: square, triangle)");
  }
  EXPECT_THROW(Shapes::add("square", "again", [] { return std::make_unique<Square>(); }), std::logic_error);
}

}  // namespace
}  // namespace nce::core
