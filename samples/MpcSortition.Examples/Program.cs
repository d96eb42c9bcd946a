using MpcSortition.Examples;

// Runs every example that the package READMEs quote and prints what each returned.
(uint[] sum, uint[] affine) = CoreExample.Run();
Console.WriteLine($"core: x + y = [{string.Join(", ", sum)}], 3x + 1 = [{string.Join(", ", affine)}]");
