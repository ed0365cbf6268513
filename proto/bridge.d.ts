import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace bondfw. */
export namespace bondfw {

    /** Namespace bridge. */
    namespace bridge {

        /**
         * Properties of a Message.
         * @deprecated Use bondfw.bridge.Message.$Properties instead.
         */
        interface IMessage extends bondfw.bridge.Message.$Properties {
        }

        /** Represents a Message. */
        class Message {

            /**
             * Constructs a new Message.
             * @param [properties] Properties to set
             */
            constructor(properties?: bondfw.bridge.Message.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Message seq. */
            seq: number;

            /** Message hello. */
            hello?: (bondfw.bridge.Hello.$Properties|null);

            /** Message info. */
            info?: (bondfw.bridge.Info.$Properties|null);

            /** Message program. */
            program?: (bondfw.bridge.Program.$Properties|null);

            /** Message result. */
            result?: (bondfw.bridge.Result.$Properties|null);

            /** Message linkEvent. */
            linkEvent?: (bondfw.bridge.LinkEvent.$Properties|null);

            /** Message rawFrame. */
            rawFrame?: (bondfw.bridge.RawFrame.$Properties|null);

            /** Message irqProgram. */
            irqProgram?: (bondfw.bridge.IrqProgram.$Properties|null);

            /** Message body. */
            body?: ("hello"|"info"|"program"|"result"|"linkEvent"|"rawFrame"|"irqProgram");

            /**
             * Creates a new Message instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Message instance
             */
            static create(properties: bondfw.bridge.Message.$Shape): bondfw.bridge.Message & bondfw.bridge.Message.$Shape;
            static create(properties?: bondfw.bridge.Message.$Properties): bondfw.bridge.Message;

            /**
             * Encodes the specified Message message. Does not implicitly {@link bondfw.bridge.Message.verify|verify} messages.
             * @param message Message message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: bondfw.bridge.Message.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Message message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {bondfw.bridge.Message & bondfw.bridge.Message.$Shape} Message
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): bondfw.bridge.Message & bondfw.bridge.Message.$Shape;
        }

        namespace Message {

            /** Properties of a Message. */
            interface $Properties {

                /** Message seq */
                seq?: (number|null);

                /** Message hello */
                hello?: (bondfw.bridge.Hello.$Properties|null);

                /** Message info */
                info?: (bondfw.bridge.Info.$Properties|null);

                /** Message program */
                program?: (bondfw.bridge.Program.$Properties|null);

                /** Message result */
                result?: (bondfw.bridge.Result.$Properties|null);

                /** Message linkEvent */
                linkEvent?: (bondfw.bridge.LinkEvent.$Properties|null);

                /** Message rawFrame */
                rawFrame?: (bondfw.bridge.RawFrame.$Properties|null);

                /** Message irqProgram */
                irqProgram?: (bondfw.bridge.IrqProgram.$Properties|null);

                /** Message body */
                body?: ("hello"|"info"|"program"|"result"|"linkEvent"|"rawFrame"|"irqProgram");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of a Message. */
            type $Shape = {
              seq?: number|null;
              hello?: bondfw.bridge.Hello.$Shape|null;
              info?: bondfw.bridge.Info.$Shape|null;
              program?: bondfw.bridge.Program.$Shape|null;
              result?: bondfw.bridge.Result.$Shape|null;
              linkEvent?: bondfw.bridge.LinkEvent.$Shape|null;
              rawFrame?: bondfw.bridge.RawFrame.$Shape|null;
              irqProgram?: bondfw.bridge.IrqProgram.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; hello?: null; info?: null; program?: null; result?: null; linkEvent?: null; rawFrame?: null; irqProgram?: null }|{ body?: "hello"; hello: bondfw.bridge.Hello.$Shape; info?: null; program?: null; result?: null; linkEvent?: null; rawFrame?: null; irqProgram?: null }|{ body?: "info"; hello?: null; info: bondfw.bridge.Info.$Shape; program?: null; result?: null; linkEvent?: null; rawFrame?: null; irqProgram?: null }|{ body?: "program"; hello?: null; info?: null; program: bondfw.bridge.Program.$Shape; result?: null; linkEvent?: null; rawFrame?: null; irqProgram?: null }|{ body?: "result"; hello?: null; info?: null; program?: null; result: bondfw.bridge.Result.$Shape; linkEvent?: null; rawFrame?: null; irqProgram?: null }|{ body?: "linkEvent"; hello?: null; info?: null; program?: null; result?: null; linkEvent: bondfw.bridge.LinkEvent.$Shape; rawFrame?: null; irqProgram?: null }|{ body?: "rawFrame"; hello?: null; info?: null; program?: null; result?: null; linkEvent?: null; rawFrame: bondfw.bridge.RawFrame.$Shape; irqProgram?: null }|{ body?: "irqProgram"; hello?: null; info?: null; program?: null; result?: null; linkEvent?: null; rawFrame?: null; irqProgram: bondfw.bridge.IrqProgram.$Shape })
            );
        }

        /**
         * Properties of a Hello.
         * @deprecated Use bondfw.bridge.Hello.$Properties instead.
         */
        interface IHello extends bondfw.bridge.Hello.$Properties {
        }

        /** Represents a Hello. */
        class Hello {

            /**
             * Constructs a new Hello.
             * @param [properties] Properties to set
             */
            constructor(properties?: bondfw.bridge.Hello.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /**
             * Creates a new Hello instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Hello instance
             */
            static create(properties: bondfw.bridge.Hello.$Shape): bondfw.bridge.Hello & bondfw.bridge.Hello.$Shape;
            static create(properties?: bondfw.bridge.Hello.$Properties): bondfw.bridge.Hello;

            /**
             * Encodes the specified Hello message. Does not implicitly {@link bondfw.bridge.Hello.verify|verify} messages.
             * @param message Hello message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: bondfw.bridge.Hello.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Hello message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {bondfw.bridge.Hello & bondfw.bridge.Hello.$Shape} Hello
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): bondfw.bridge.Hello & bondfw.bridge.Hello.$Shape;
        }

        namespace Hello {

            /** Properties of a Hello. */
            interface $Properties {

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Hello. */
            type $Shape = bondfw.bridge.Hello.$Properties;
        }

        /**
         * Properties of an Info.
         * @deprecated Use bondfw.bridge.Info.$Properties instead.
         */
        interface IInfo extends bondfw.bridge.Info.$Properties {
        }

        /** Represents an Info. */
        class Info {

            /**
             * Constructs a new Info.
             * @param [properties] Properties to set
             */
            constructor(properties?: bondfw.bridge.Info.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Info firmwareVersion. */
            firmwareVersion: string;

            /** Info mdioClockHz. */
            mdioClockHz: number;

            /** Info capabilities. */
            capabilities: number;

            /** Info maxOps. */
            maxOps: number;

            /** Info bootId. */
            bootId: number;

            /** Info irqLines. */
            irqLines: number;

            /** Info bootNonce. */
            bootNonce: number;

            /**
             * Creates a new Info instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Info instance
             */
            static create(properties: bondfw.bridge.Info.$Shape): bondfw.bridge.Info & bondfw.bridge.Info.$Shape;
            static create(properties?: bondfw.bridge.Info.$Properties): bondfw.bridge.Info;

            /**
             * Encodes the specified Info message. Does not implicitly {@link bondfw.bridge.Info.verify|verify} messages.
             * @param message Info message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: bondfw.bridge.Info.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Info message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {bondfw.bridge.Info & bondfw.bridge.Info.$Shape} Info
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): bondfw.bridge.Info & bondfw.bridge.Info.$Shape;
        }

        namespace Info {

            /** Properties of an Info. */
            interface $Properties {

                /** Info firmwareVersion */
                firmwareVersion?: (string|null);

                /** Info mdioClockHz */
                mdioClockHz?: (number|null);

                /** Info capabilities */
                capabilities?: (number|null);

                /** Info maxOps */
                maxOps?: (number|null);

                /** Info bootId */
                bootId?: (number|null);

                /** Info irqLines */
                irqLines?: (number|null);

                /** Info bootNonce */
                bootNonce?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an Info. */
            type $Shape = bondfw.bridge.Info.$Properties;
        }

        /**
         * Properties of a Program.
         * @deprecated Use bondfw.bridge.Program.$Properties instead.
         */
        interface IProgram extends bondfw.bridge.Program.$Properties {
        }

        /** Represents a Program. */
        class Program {

            /**
             * Constructs a new Program.
             * @param [properties] Properties to set
             */
            constructor(properties?: bondfw.bridge.Program.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Program code. */
            code: number[];

            /**
             * Creates a new Program instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Program instance
             */
            static create(properties: bondfw.bridge.Program.$Shape): bondfw.bridge.Program & bondfw.bridge.Program.$Shape;
            static create(properties?: bondfw.bridge.Program.$Properties): bondfw.bridge.Program;

            /**
             * Encodes the specified Program message. Does not implicitly {@link bondfw.bridge.Program.verify|verify} messages.
             * @param message Program message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: bondfw.bridge.Program.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Program message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {bondfw.bridge.Program & bondfw.bridge.Program.$Shape} Program
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): bondfw.bridge.Program & bondfw.bridge.Program.$Shape;
        }

        namespace Program {

            /** Properties of a Program. */
            interface $Properties {

                /** Program code */
                code?: (number[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Program. */
            type $Shape = bondfw.bridge.Program.$Properties;
        }

        /**
         * Properties of a Result.
         * @deprecated Use bondfw.bridge.Result.$Properties instead.
         */
        interface IResult extends bondfw.bridge.Result.$Properties {
        }

        /** Represents a Result. */
        class Result {

            /**
             * Constructs a new Result.
             * @param [properties] Properties to set
             */
            constructor(properties?: bondfw.bridge.Result.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Result status. */
            status: bondfw.bridge.Result.Status;

            /** Result values. */
            values: number[];

            /** Result failedAt. */
            failedAt: number;

            /**
             * Creates a new Result instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Result instance
             */
            static create(properties: bondfw.bridge.Result.$Shape): bondfw.bridge.Result & bondfw.bridge.Result.$Shape;
            static create(properties?: bondfw.bridge.Result.$Properties): bondfw.bridge.Result;

            /**
             * Encodes the specified Result message. Does not implicitly {@link bondfw.bridge.Result.verify|verify} messages.
             * @param message Result message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: bondfw.bridge.Result.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Result message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {bondfw.bridge.Result & bondfw.bridge.Result.$Shape} Result
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): bondfw.bridge.Result & bondfw.bridge.Result.$Shape;
        }

        namespace Result {

            /** Properties of a Result. */
            interface $Properties {

                /** Result status */
                status?: (bondfw.bridge.Result.Status|null);

                /** Result values */
                values?: (number[]|null);

                /** Result failedAt */
                failedAt?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Result. */
            type $Shape = bondfw.bridge.Result.$Properties;

            /** Status enum. */
            enum Status {

                /** OK value */
                OK = 0,

                /** WAIT_TIMEOUT value */
                WAIT_TIMEOUT = 1,

                /** BAD_PROGRAM value */
                BAD_PROGRAM = 2,

                /** TOO_LONG value */
                TOO_LONG = 3,

                /** UNIT_TIMEOUT value */
                UNIT_TIMEOUT = 4
            }
        }

        /**
         * Properties of a LinkEvent.
         * @deprecated Use bondfw.bridge.LinkEvent.$Properties instead.
         */
        interface ILinkEvent extends bondfw.bridge.LinkEvent.$Properties {
        }

        /** Represents a LinkEvent. */
        class LinkEvent {

            /**
             * Constructs a new LinkEvent.
             * @param [properties] Properties to set
             */
            constructor(properties?: bondfw.bridge.LinkEvent.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** LinkEvent line. */
            line: number;

            /** LinkEvent asserted. */
            asserted: boolean;

            /** LinkEvent values. */
            values: number[];

            /** LinkEvent status. */
            status: bondfw.bridge.Result.Status;

            /** LinkEvent failedAt. */
            failedAt: number;

            /**
             * Creates a new LinkEvent instance using the specified properties.
             * @param [properties] Properties to set
             * @returns LinkEvent instance
             */
            static create(properties: bondfw.bridge.LinkEvent.$Shape): bondfw.bridge.LinkEvent & bondfw.bridge.LinkEvent.$Shape;
            static create(properties?: bondfw.bridge.LinkEvent.$Properties): bondfw.bridge.LinkEvent;

            /**
             * Encodes the specified LinkEvent message. Does not implicitly {@link bondfw.bridge.LinkEvent.verify|verify} messages.
             * @param message LinkEvent message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: bondfw.bridge.LinkEvent.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a LinkEvent message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {bondfw.bridge.LinkEvent & bondfw.bridge.LinkEvent.$Shape} LinkEvent
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): bondfw.bridge.LinkEvent & bondfw.bridge.LinkEvent.$Shape;
        }

        namespace LinkEvent {

            /** Properties of a LinkEvent. */
            interface $Properties {

                /** LinkEvent line */
                line?: (number|null);

                /** LinkEvent asserted */
                asserted?: (boolean|null);

                /** LinkEvent values */
                values?: (number[]|null);

                /** LinkEvent status */
                status?: (bondfw.bridge.Result.Status|null);

                /** LinkEvent failedAt */
                failedAt?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a LinkEvent. */
            type $Shape = bondfw.bridge.LinkEvent.$Properties;
        }

        /**
         * Properties of an IrqProgram.
         * @deprecated Use bondfw.bridge.IrqProgram.$Properties instead.
         */
        interface IIrqProgram extends bondfw.bridge.IrqProgram.$Properties {
        }

        /** Represents an IrqProgram. */
        class IrqProgram {

            /**
             * Constructs a new IrqProgram.
             * @param [properties] Properties to set
             */
            constructor(properties?: bondfw.bridge.IrqProgram.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** IrqProgram line. */
            line: number;

            /** IrqProgram code. */
            code: number[];

            /**
             * Creates a new IrqProgram instance using the specified properties.
             * @param [properties] Properties to set
             * @returns IrqProgram instance
             */
            static create(properties: bondfw.bridge.IrqProgram.$Shape): bondfw.bridge.IrqProgram & bondfw.bridge.IrqProgram.$Shape;
            static create(properties?: bondfw.bridge.IrqProgram.$Properties): bondfw.bridge.IrqProgram;

            /**
             * Encodes the specified IrqProgram message. Does not implicitly {@link bondfw.bridge.IrqProgram.verify|verify} messages.
             * @param message IrqProgram message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: bondfw.bridge.IrqProgram.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an IrqProgram message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {bondfw.bridge.IrqProgram & bondfw.bridge.IrqProgram.$Shape} IrqProgram
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): bondfw.bridge.IrqProgram & bondfw.bridge.IrqProgram.$Shape;
        }

        namespace IrqProgram {

            /** Properties of an IrqProgram. */
            interface $Properties {

                /** IrqProgram line */
                line?: (number|null);

                /** IrqProgram code */
                code?: (number[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an IrqProgram. */
            type $Shape = bondfw.bridge.IrqProgram.$Properties;
        }

        /**
         * Properties of a RawFrame.
         * @deprecated Use bondfw.bridge.RawFrame.$Properties instead.
         */
        interface IRawFrame extends bondfw.bridge.RawFrame.$Properties {
        }

        /** Represents a RawFrame. */
        class RawFrame {

            /**
             * Constructs a new RawFrame.
             * @param [properties] Properties to set
             */
            constructor(properties?: bondfw.bridge.RawFrame.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** RawFrame data. */
            data: Uint8Array;

            /**
             * Creates a new RawFrame instance using the specified properties.
             * @param [properties] Properties to set
             * @returns RawFrame instance
             */
            static create(properties: bondfw.bridge.RawFrame.$Shape): bondfw.bridge.RawFrame & bondfw.bridge.RawFrame.$Shape;
            static create(properties?: bondfw.bridge.RawFrame.$Properties): bondfw.bridge.RawFrame;

            /**
             * Encodes the specified RawFrame message. Does not implicitly {@link bondfw.bridge.RawFrame.verify|verify} messages.
             * @param message RawFrame message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: bondfw.bridge.RawFrame.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a RawFrame message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {bondfw.bridge.RawFrame & bondfw.bridge.RawFrame.$Shape} RawFrame
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): bondfw.bridge.RawFrame & bondfw.bridge.RawFrame.$Shape;
        }

        namespace RawFrame {

            /** Properties of a RawFrame. */
            interface $Properties {

                /** RawFrame data */
                data?: (Uint8Array|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a RawFrame. */
            type $Shape = bondfw.bridge.RawFrame.$Properties;
        }
    }
}
