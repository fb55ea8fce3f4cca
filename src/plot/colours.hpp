// Colours of a figure: the palette that marks cycle through, the viridis scale of heat maps,
// contours and colour bars, and the tints and text colours that go with them.
#pragma once

#include <string>

namespace plexus::plot::detail {

// Palette colour `index`, cycling (negative indices too).
const std::string& colour(int index);

// Viridis: perceptually uniform, readable in grey and by colour-blind readers. t in [0, 1].
std::string viridis(double t);

// Text on a viridis cell: white on the dark end, black on the light end.
const char* ink_on(double t);

// A light tint of a palette colour, for regions under full-colour points.
std::string tint(const std::string& hex, double white);

}  // namespace plexus::plot::detail
