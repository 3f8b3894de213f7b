Console.WriteLine("simulator: not yet built");
